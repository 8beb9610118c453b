import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { afterEach, describe, expect, it } from "vitest";
import {
  type EventSelection,
  sendToNodeResponse,
  toResponse,
  UI_DATA_PART_TYPE,
} from "../../src/http/index.js";
import { Pipe } from "../../src/index.js";
import { listen } from "./support.js";

interface ChatState {
  question: string;
}

/** Reads a served run the way `useChat` does: the AI SDK's own transport (fetch + its chunk schema) and reader. */
async function chat(
  url: string,
): Promise<{ chunks: UIMessageChunk[]; message: UIMessage | undefined; errors: string[] }> {
  const transport = new DefaultChatTransport<UIMessage>({ api: url });
  const stream = await transport.sendMessages({
    trigger: "submit-message",
    chatId: "chat-1",
    messageId: undefined,
    abortSignal: undefined,
    messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "What is justpipe?" }] }],
  });
  const [forChunks, forMessages] = stream.tee();
  const chunks: UIMessageChunk[] = [];
  const collecting = (async () => {
    for await (const chunk of forChunks) chunks.push(chunk);
  })();
  const errors: string[] = [];
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({
    stream: forMessages,
    onError: (e) => errors.push(String(e)),
  })) {
    message = snapshot;
  }
  await collecting;
  return { chunks, message, errors };
}

let server: Awaited<ReturnType<typeof listen>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(pipe: Pipe<ChatState>, events?: EventSelection): Promise<string> {
  server = await listen(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    const { messages } = JSON.parse(body) as { messages: UIMessage[] };
    const question = messages
      .at(-1)!
      .parts.map((part) => (part.type === "text" ? part.text : ""))
      .join("");
    await sendToNodeResponse(pipe.run({ question }), response, { format: "ui-message", events });
  });
  return server.url;
}

describe('format "ui-message" read by the AI SDK (DefaultChatTransport + readUIMessageStream)', () => {
  it("turns tokens into one text part per step invocation and steps into step parts", async () => {
    const pipe = new Pipe<ChatState>({ name: "chat" });
    pipe.step("retrieve", () => {}, { to: "answer" });
    pipe.step("answer", async function* ({ state }) {
      yield "You asked: ";
      yield state.question;
      yield { score: 1 };
    });
    const { chunks, message, errors } = await chat(await serve(pipe));
    expect(errors).toEqual([]);
    expect(chunks.map((c) => c.type)).toEqual([
      "start",
      "start-step",
      "finish-step",
      "start-step",
      "text-start",
      "text-delta",
      "text-delta",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(chunks.at(-1)).toEqual({ type: "finish", finishReason: "stop" });
    expect(message?.role).toBe("assistant");
    expect(message?.parts).toEqual([
      { type: "step-start" },
      { type: "step-start" },
      { type: "text", text: 'You asked: What is justpipe?{"score":1}', state: "done" },
    ]);
  });

  it("keeps parallel streaming steps in separate text parts (the reader forgets open parts at finish-step)", async () => {
    const pipe = new Pipe<ChatState>({ name: "parallel" });
    let releaseSlow!: () => void;
    const slowMayEnd = new Promise<void>((resolve) => (releaseSlow = resolve));
    pipe.step("plan", () => {}, { to: ["fast", "slow"] });
    pipe.step("fast", async function* () {
      yield "fast ";
      await new Promise((resolve) => setImmediate(resolve));
      yield "done";
      releaseSlow();
    });
    pipe.step("slow", async function* () {
      yield "slow ";
      await slowMayEnd;
      yield "later";
    });
    const { message, errors } = await chat(await serve(pipe));
    expect(errors).toEqual([]);
    const texts = message!.parts.flatMap((part) => (part.type === "text" ? [part.text] : []));
    // fast's STEP_END ends both open text parts; slow's last token opens a new one.
    expect([...texts].sort()).toEqual(["fast done", "later", "slow "]);
  });

  it("reports a failed run as an error part and finish 'error'", async () => {
    const pipe = new Pipe<ChatState>({ name: "failing" });
    pipe.step("answer", async function* () {
      yield "partial";
      throw new Error("model overloaded");
    });
    const { chunks, message, errors } = await chat(await serve(pipe, "tokens"));
    expect(chunks.slice(-3)).toEqual([
      { type: "text-end", id: "text-1" },
      { type: "error", errorText: "Step 'answer' failed: model overloaded" },
      { type: "finish", finishReason: "error" },
    ]);
    expect(errors).toEqual(["Error: Step 'answer' failed: model overloaded"]);
    expect(message?.parts).toEqual([{ type: "text", text: "partial", state: "done" }]);
  });

  it("sends other selected events as transient data parts, which the message does not keep", async () => {
    const pipe = new Pipe<ChatState>({ name: "map" });
    pipe.map("fan", () => ["a", "b"], { each: "work" });
    pipe.step("work", () => {});
    const { chunks, message } = await chat(await serve(pipe, "progress"));
    const data = chunks.filter((c) => c.type === UI_DATA_PART_TYPE) as {
      data: { type: string };
      transient: boolean;
    }[];
    expect(data.map((c) => c.data.type)).toEqual(["map_start", "map_complete"]);
    expect(data.every((c) => c.transient)).toBe(true);
    expect((message?.parts ?? []).filter((part) => part.type !== "step-start")).toEqual([]);
  });

  it("toResponse sends the protocol's headers", () => {
    const pipe = new Pipe<ChatState>({ name: "headers" });
    pipe.step("a", () => {});
    const response = toResponse(pipe.run({ question: "" }), { format: "ui-message" });
    expect(Object.fromEntries(response.headers)).toEqual({
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-vercel-ai-ui-message-stream": "v1",
      "x-accel-buffering": "no",
    });
    void response.body?.cancel();
  });
});
