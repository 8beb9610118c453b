import { describe, expect, it } from "vitest";
import { EventType, Pipe, StepNotFoundError, Suspend } from "../../src/index.js";
import { SimulatedClock, TestPipe } from "../../src/testing/index.js";

interface State {
  words: string[];
}

function streamingPipe() {
  const pipe = new Pipe<State>({ name: "stream" });
  const shout = pipe.step("shout", async function* ({ state }) {
    for (const word of state.words) yield word.toUpperCase();
  });
  const split = pipe.step(
    "split",
    async function* ({ state }) {
      yield "splitting";
      state.words = ["a", "b"];
    },
    { to: shout },
  );
  return { pipe, split, shout };
}

describe("TestResult", () => {
  it("collects every event, ending with FINISH, and exposes its payload", async () => {
    const { pipe } = streamingPipe();
    const state = { words: [] };
    const result = await new TestPipe(pipe).run(state);
    expect(result.events.at(-1)?.type).toBe(EventType.FINISH);
    expect(result.events.map((e) => e.seq)).toEqual(result.events.map((_, i) => i + 1));
    expect(result.finish).toBe(result.events.at(-1)?.payload);
    expect(result.status).toBe(result.finish.status);
    expect(result.finalState).toBe(state);
    expect(result.finalState.words).toEqual(["a", "b"]);
  });

  it("lists tokens overall and per step, by name or by handler", async () => {
    const { pipe, split, shout } = streamingPipe();
    const result = await new TestPipe(pipe).run({ words: [] });
    expect(result.tokens).toEqual(["splitting", "A", "B"]);
    expect(result.tokensOf(split)).toEqual(["splitting"]);
    expect(result.tokensOf("shout")).toEqual(["A", "B"]);
    expect(result.tokensOf(shout)).toEqual(["A", "B"]);
  });

  it("tells which steps ran, in order, and how each invocation went", async () => {
    const { pipe, shout } = streamingPipe();
    const clock = new SimulatedClock();
    const result = await new TestPipe(pipe).run({ words: [] }, { clock });
    expect(result.startedSteps).toEqual(["split", "shout"]);
    expect(result.wasCalled(shout)).toBe(true);
    const [call] = result.stepCalls(shout);
    expect(call).toEqual({
      invocationId: expect.stringMatching(/:\d+$/),
      attempt: 1,
      scope: [],
      outcome: "success",
      error: undefined,
      tokens: ["A", "B"],
      durationMs: 0,
    });
  });

  it("narrows eventsOf to the requested type", async () => {
    const pipe = new Pipe<{ approved: boolean }>({ name: "approval" });
    pipe.step("ask", () => new Suspend({ reason: "needs approval" }));
    const result = await new TestPipe(pipe).run({ approved: false });
    expect(result.status).toBe("suspended");
    const [suspend] = result.eventsOf(EventType.SUSPEND);
    expect(suspend?.payload).toEqual({ reason: "needs approval", step: "ask" });
    const [start] = result.eventsOf(EventType.START);
    expect(start?.payload.approved).toBe(false);
  });

  it("flattens STEP_ERROR events into errors", async () => {
    const pipe = new Pipe<State>({ name: "failing" });
    const boom = new TypeError("bad input");
    pipe.step("parse", () => {
      throw boom;
    });
    const result = await new TestPipe(pipe).run({ words: [] });
    expect(result.errors).toEqual([
      {
        stage: "parse",
        message: "bad input",
        error: boom,
        retrying: false,
        invocationId: expect.any(String),
        attempt: 1,
      },
    ]);
  });

  it("rejects a name or handler that is not a step of the pipe, so typos cannot pass silently", async () => {
    const { pipe } = streamingPipe();
    const result = await new TestPipe(pipe).run({ words: [] });
    expect(() => result.wasCalled(function unknownStep() {})).toThrow(StepNotFoundError);
    expect(() => result.wasCalled("shuot")).toThrow(
      "Step 'shuot' not found in pipe 'stream'. Available: shout, split. Did you mean 'shout'?",
    );
    expect(() => result.stepCalls("nothing")).toThrow(StepNotFoundError);
    expect(result.tokensOf("some-sub:child")).toEqual([]); // forwarded stages are not checked
  });

  it("reports a step that never ran as not called", async () => {
    const pipe = new Pipe<State>({ name: "skips" });
    pipe.step("never", () => undefined);
    pipe.step("first", () => "end", { to: "never", routes: ["end"] });
    pipe.step("end", () => undefined);
    const result = await new TestPipe(pipe).run({ words: [] });
    expect(result.wasCalled("never")).toBe(false);
    expect(result.stepCalls("never")).toEqual([]);
    expect(result.tokensOf("never")).toEqual([]);
  });
});
