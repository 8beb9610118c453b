import { describe, expect, it } from "vitest";
import { SseParser } from "../../src/http/sse-parser.js";

function parseAll(chunks: string[]) {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

describe("SseParser", () => {
  it("reads event, data and id fields and dispatches on a blank line", () => {
    expect(parseAll(['id: 1\nevent: token\ndata: {"a":1}\n\n'])).toEqual([
      { event: "token", data: '{"a":1}', id: "1" },
    ]);
  });

  it("joins data lines, ignores comments, defaults the event to message", () => {
    expect(parseAll([": keep-alive\n\ndata: one\ndata:two\n\n"])).toEqual([
      { event: "message", data: "one\ntwo", id: "" },
    ]);
  });

  it("handles CRLF, CR and a CRLF split across chunks", () => {
    expect(parseAll(["data: a\r", "\n\r", "\ndata: b\r\rdata: c\n", "\n"])).toEqual([
      { event: "message", data: "a", id: "" },
      { event: "message", data: "b", id: "" },
      { event: "message", data: "c", id: "" },
    ]);
  });

  it("handles a message split anywhere, and drops an unterminated one", () => {
    const text = 'event: step_start\ndata: {}\n\nevent: finish\ndata: {"x":true}\n\ndata: cut';
    const chunks = text.split("");
    expect(parseAll(chunks)).toEqual([
      { event: "step_start", data: "{}", id: "" },
      { event: "finish", data: '{"x":true}', id: "" },
    ]);
  });
});
