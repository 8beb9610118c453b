import { describe, expect, it } from "vitest";
import {
  EventType,
  Pipe,
  Retry,
  type StepArgs,
  StepNotFoundError,
  TestPipe as TestPipeFromRoot,
} from "../../src/index.js";
import { TestPipe } from "../../src/testing/index.js";

interface State {
  message: string;
  log: string[];
}

function helloPipe() {
  const pipe = new Pipe<State>({ name: "hello" });
  const respond = pipe.step("respond", async function* ({ state }) {
    state.log.push("respond");
    yield `${state.message}, World!`;
  });
  const greet = pipe.step(
    "greet",
    async ({ state }: StepArgs<State>) => {
      state.log.push("greet");
      state.message = "Hello";
    },
    { to: respond },
  );
  return { pipe, greet, respond };
}

const fresh = (): State => ({ message: "", log: [] });

describe("TestPipe", () => {
  it("is the same class from justpipe and justpipe/testing", () => {
    expect(TestPipeFromRoot).toBe(TestPipe);
  });

  it("runs the real pipeline when nothing is mocked", async () => {
    const { pipe } = helloPipe();
    const result = await new TestPipe(pipe).run(fresh());
    expect(result.status).toBe("success");
    expect(result.tokens).toEqual(["Hello, World!"]);
    expect(result.finalState.log).toEqual(["greet", "respond"]);
  });

  it("mocks a step by name: the mock records its call and static successors still run", async () => {
    const { pipe } = helloPipe();
    using tester = new TestPipe(pipe);
    const greet = tester.mock("greet");
    const result = await tester.run(fresh());
    greet.assertCalledOnce();
    expect(greet.calls[0]).toMatchObject({ stepName: "greet", attempt: 1, item: undefined, ctx: undefined });
    expect(greet.calls[0]!.state).toBe(result.finalState);
    expect(result.tokens).toEqual([", World!"]);
    expect(result.finalState.log).toEqual(["respond"]);
  });

  it("mocks a step by its registered handler, with a sync implementation", async () => {
    const { pipe, greet } = helloPipe();
    using tester = new TestPipe(pipe);
    const mock = tester.mock(greet, ({ state }) => {
      state.message = "Hi";
    });
    const result = await tester.run(fresh());
    mock.assertCalledOnce();
    expect(mock.step).toBe("greet");
    expect(result.tokens).toEqual(["Hi, World!"]);
  });

  it("accepts an async implementation", async () => {
    const { pipe } = helloPipe();
    using tester = new TestPipe(pipe);
    tester.mock("greet", async ({ state }) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      state.message = "Hey";
    });
    expect((await tester.run(fresh())).tokens).toEqual(["Hey, World!"]);
  });

  it("streams the tokens of an async generator mock, with the step's stage", async () => {
    const { pipe, respond } = helloPipe();
    using tester = new TestPipe(pipe);
    const mock = tester.mock(respond, async function* ({ state }) {
      yield "one";
      yield { partial: state.message };
    });
    const result = await tester.run(fresh());
    mock.assertCalledOnce();
    expect(result.tokens).toEqual(["one", { partial: "Hello" }]);
    expect(result.tokensOf("respond")).toEqual(result.tokens);
    expect(result.eventsOf(EventType.TOKEN).map((e) => e.stage)).toEqual(["respond", "respond"]);
  });

  it("lets a mock's return value drive control flow (a jump)", async () => {
    const pipe = new Pipe<State>({ name: "jumps" });
    pipe.step("end", ({ state }) => {
      state.log.push("end");
    });
    pipe.step("other", ({ state }) => {
      state.log.push("other");
    });
    pipe.step("start", () => undefined, { to: "other", routes: ["end"] });
    using tester = new TestPipe(pipe);
    tester.mock("start", () => "end");
    const result = await tester.run(fresh());
    expect(result.finalState.log).toEqual(["end"]);
    expect(result.wasCalled("other")).toBe(false);
  });

  it("records every attempt of a retried step", async () => {
    const pipe = new Pipe<State>({ name: "retries" });
    pipe.step("flaky", () => undefined, { retries: 2 });
    using tester = new TestPipe(pipe);
    const mock = tester.mock("flaky", ({ attempt }) => {
      if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
    });
    const result = await tester.run(fresh());
    expect(result.status).toBe("success");
    mock.assertCalledTimes(3);
    expect(mock.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(result.stepCalls("flaky").map((c) => [c.attempt, c.outcome])).toEqual([
      [1, "error"],
      [2, "error"],
      [3, "success"],
    ]);
    expect(result.errors.map((e) => [e.stage, e.message, e.retrying])).toEqual([
      ["flaky", "attempt 1 failed", true],
      ["flaky", "attempt 2 failed", true],
    ]);
  });

  it("records handler-requested retries too", async () => {
    const pipe = new Pipe<State>({ name: "retry-result" });
    pipe.step("again", () => undefined);
    using tester = new TestPipe(pipe);
    const mock = tester.mock("again", ({ attempt }) => (attempt < 2 ? new Retry() : undefined));
    await tester.run(fresh());
    mock.assertCalledTimes(2);
  });

  it("passes the run's context to the mock", async () => {
    const pipe = new Pipe<State, { user: string }>({ name: "ctx" });
    pipe.step("who", () => undefined);
    using tester = new TestPipe(pipe);
    const mock = tester.mock("who");
    await tester.run(fresh(), { context: { user: "ada" } });
    mock.assertCalledWith({ ctx: { user: "ada" } });
  });

  it("gives map workers their item, and a bare map mock produces no items", async () => {
    const pipe = new Pipe<{ items: number[]; seen: number[]; done: boolean }>({ name: "map" });
    pipe.step("merge", ({ state }) => {
      state.done = true;
    });
    pipe.step<number>("square", ({ state, item }) => {
      state.seen.push(item * item);
    });
    pipe.map("fan", ({ state }) => state.items, { each: "square", to: "merge" });

    {
      using tester = new TestPipe(pipe);
      const worker = tester.mock<number>("square");
      const result = await tester.run({ items: [1, 2, 3], seen: [], done: false });
      worker.assertCalledTimes(3);
      worker.assertCalledWith({ item: 2 });
      expect(worker.calls.map((c) => c.item).sort()).toEqual([1, 2, 3]);
      expect(result.stepCalls("square")).toHaveLength(3);
      expect(result.finalState).toEqual({ items: [1, 2, 3], seen: [], done: true });
    }
    {
      using tester = new TestPipe(pipe);
      const fan = tester.mock("fan");
      const result = await tester.run({ items: [1, 2, 3], seen: [], done: false });
      fan.assertCalledOnce();
      expect(result.status).toBe("success");
      expect(result.wasCalled("square")).toBe(false);
      expect(result.finalState.done).toBe(true);
    }
  });

  it("mocks a switch: the return value picks the route", async () => {
    const pipe = new Pipe<State>({ name: "switch" });
    pipe.step("yes", ({ state }) => {
      state.log.push("yes");
    });
    pipe.step("no", ({ state }) => {
      state.log.push("no");
    });
    pipe.switch("decide", () => "yes", { to: { yes: "yes", no: "no" } });
    using tester = new TestPipe(pipe);
    tester.mock("decide", () => "no");
    expect((await tester.run(fresh())).finalState.log).toEqual(["no"]);
  });

  it("runs mocks through the pipe's middleware", async () => {
    const seen: string[] = [];
    const pipe = new Pipe<State>({
      name: "mw",
      middleware: [
        (next, step) => (args) => {
          seen.push(step.name);
          return next(args);
        },
      ],
    });
    pipe.step("only", () => undefined);
    using tester = new TestPipe(pipe);
    const mock = tester.mock("only");
    await tester.run(fresh());
    mock.assertCalledOnce();
    expect(seen).toEqual(["only"]);
  });

  it("restore() puts the original handler back on a frozen pipe, leaving it unchanged", async () => {
    const { pipe, greet } = helloPipe();
    const before = pipe.steps();
    const tester = new TestPipe(pipe);

    const first = await tester.run(fresh()); // freezes the pipe
    expect(first.tokens).toEqual(["Hello, World!"]);

    const mock = tester.mock(greet, ({ state }) => {
      state.message = "Mocked";
    });
    const second = await tester.run(fresh());
    expect(second.tokens).toEqual(["Mocked, World!"]);
    mock.assertCalledOnce();

    tester.restore();
    tester.restore(); // idempotent
    const third = await tester.run(fresh());
    expect(third.tokens).toEqual(["Hello, World!"]);
    expect(third.finalState.log).toEqual(["greet", "respond"]);
    mock.assertCalledOnce(); // the restored step no longer reaches the mock
    expect(pipe.steps()).toEqual(before);

    // The handler target still resolves after the round trip.
    const events = [];
    for await (const event of pipe.run(fresh(), { start: greet })) events.push(event);
    expect(events.at(-1)?.type).toBe(EventType.FINISH);
  });

  it("restores on scope exit with `using`, even when the block throws", async () => {
    const { pipe } = helloPipe();
    {
      using tester = new TestPipe(pipe);
      tester.mock("greet");
      expect((await tester.run(fresh())).tokens).toEqual([", World!"]);
    }
    expect((await new TestPipe(pipe).run(fresh())).tokens).toEqual(["Hello, World!"]);

    expect(() => {
      using tester = new TestPipe(pipe);
      tester.mock("greet");
      throw new Error("test body failed");
    }).toThrow("test body failed");
    expect((await new TestPipe(pipe).run(fresh())).tokens).toEqual(["Hello, World!"]);
  });

  it("mocks before the first run and restores before the pipe ever runs", async () => {
    const { pipe } = helloPipe();
    const tester = new TestPipe(pipe);
    tester.mock("greet");
    tester.restore();
    expect((await tester.run(fresh())).tokens).toEqual(["Hello, World!"]);
  });

  it("re-mocking a step replaces the earlier mock, and restore still brings back the original", async () => {
    const { pipe } = helloPipe();
    const tester = new TestPipe(pipe);
    const first = tester.mock("greet", ({ state }) => {
      state.message = "first";
    });
    const second = tester.mock("greet", ({ state }) => {
      state.message = "second";
    });
    expect((await tester.run(fresh())).tokens).toEqual(["second, World!"]);
    first.assertNotCalled();
    second.assertCalledOnce();
    tester.restore();
    expect((await tester.run(fresh())).tokens).toEqual(["Hello, World!"]);
  });

  it("applies mocks to runs started with pipe.run() directly while installed", async () => {
    const { pipe } = helloPipe();
    using tester = new TestPipe(pipe);
    const mock = tester.mock("greet");
    for await (const _ of pipe.run(fresh())) {
      // drain
    }
    mock.assertCalledOnce();
  });

  it("mocks a step of a sub-pipeline through the child's own TestPipe", async () => {
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.step("inner", async function* ({ state }) {
      yield state.n;
    });
    const parent = new Pipe<State>({ name: "parent" });
    parent.sub("delegate", () => ({ n: 1 }), { pipeline: child });
    using childTester = new TestPipe(child);
    const inner = childTester.mock("inner", async function* () {
      yield "mocked";
    });
    const result = await new TestPipe(parent).run(fresh());
    inner.assertCalledOnce();
    expect(result.tokensOf("delegate:inner")).toEqual(["mocked"]);
    expect(result.wasCalled("delegate:inner")).toBe(true);
  });

  it("says which steps exist when mocking an unknown one", () => {
    const { pipe } = helloPipe();
    const tester = new TestPipe(pipe);
    expect(() => tester.mock("gret")).toThrow(StepNotFoundError);
    expect(() => tester.mock("gret")).toThrow(
      "Step 'gret' not found in pipe 'hello'. Available: respond, greet. Did you mean 'greet'?",
    );
    function stranger() {}
    expect(() => tester.mock(stranger)).toThrow(
      "Function stranger is not a registered step of pipe 'hello'. Pass the handler returned by pipe.step(), or the step's name.",
    );
  });

  it("rejects implementations that cannot be steps", () => {
    const { pipe } = helloPipe();
    const tester = new TestPipe(pipe);
    expect(() => tester.mock("greet", "nope" as never)).toThrow(
      "Expected the implementation of mock 'greet' to be a function, got `nope` (string).",
    );
    expect(() =>
      tester.mock("respond", function* () {
        yield 1;
      } as never),
    ).toThrow(/sync generator function.*use `async function\*`/);
    expect(() => new TestPipe({} as never)).toThrow(/Expected `pipe` to be a Pipe/);
  });

  it("rethrows a DefinitionError from run() instead of returning a result", async () => {
    const pipe = new Pipe<State>({ name: "broken" });
    pipe.step("a", () => undefined, { to: "missing" });
    await expect(new TestPipe(pipe).run(fresh())).rejects.toMatchObject({
      name: "DefinitionError",
      message: expect.stringContaining("missing"),
    });
  });

  it("reports failures in the result, not as exceptions", async () => {
    const { pipe } = helloPipe();
    using tester = new TestPipe(pipe);
    const boom = new Error("model unavailable");
    tester.mock("respond", () => {
      throw boom;
    });
    const result = await tester.run(fresh());
    expect(result.status).toBe("failed");
    expect(result.finish.failedStep).toBe("respond");
    expect(result.errors).toEqual([
      expect.objectContaining({
        stage: "respond",
        message: "model unavailable",
        error: boom,
        retrying: false,
      }),
    ]);
    expect(result.stepCalls("respond")).toEqual([expect.objectContaining({ outcome: "error", error: boom })]);
  });
});
