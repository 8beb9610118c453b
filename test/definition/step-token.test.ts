/**
 * Issue 15, "types that flow" (per-step token types): isStepToken picks the TOKEN events one step
 * of the pipe yielded (the type tests in test/types/step-registry.test-d.ts check the narrowing).
 */
import { describe, expect, it } from "vitest";
import { isStepToken, Pipe, type PipeEvent } from "../../src/index.js";
import { collect } from "../helpers.js";

interface Citation {
  url: string;
}
type Steps = { answer: { token: string }; cite: { token: Citation }; child: { token: string } };

describe("isStepToken", () => {
  it("selects the tokens of the named step, not those of other steps or of a sub-pipeline", async () => {
    const child = new Pipe<object, undefined, string>({ name: "child" });
    child.step("answer", async function* () {
      yield "from the child";
    });
    const pipe = new Pipe<object, undefined, string | Citation, Steps>({ name: "parent" });
    pipe.step(
      "answer",
      async function* () {
        yield "Hel";
        yield "lo";
      },
      { to: "cite" },
    );
    pipe.step(
      "cite",
      async function* () {
        yield { url: "https://example.com" };
      },
      { to: "child" },
    );
    pipe.sub("child", () => ({}), { pipeline: child });
    const events = await collect(pipe.run({}) as AsyncIterable<PipeEvent<object, string | Citation>>);
    const answer: string[] = [];
    const cited: Citation[] = [];
    for (const event of events) {
      if (isStepToken(pipe, event, "answer")) answer.push(event.payload);
      if (isStepToken(pipe, event, "cite")) cited.push(event.payload);
    }
    expect(answer).toEqual(["Hel", "lo"]);
    expect(cited).toEqual([{ url: "https://example.com" }]);
    expect(events.some((event) => event.type === "token" && event.stage === "child:answer")).toBe(true);
    expect(events.filter((event) => isStepToken(pipe, event, "child"))).toEqual([]);
  });
});
