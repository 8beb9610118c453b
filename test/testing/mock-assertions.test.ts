import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { MockAssertionError, TestPipe } from "../../src/testing/index.js";

interface State {
  items: number[];
}

async function workerMock(items: number[]) {
  const pipe = new Pipe<State, { tenant: string }>({ name: "assertions" });
  pipe.step<number>("work", () => undefined);
  pipe.step("idle", () => undefined);
  pipe.map("fan", ({ state }) => state.items, { each: "work", to: "idle" });
  const tester = new TestPipe(pipe);
  const work = tester.mock<number>("work");
  const idle = tester.mock("idle", () => undefined);
  tester.mock("fan", ({ state }) => state.items);
  await tester.run({ items }, { context: { tenant: "acme" } });
  return { work, idle, tester };
}

/** Runs `fn` and returns what it threw. */
function thrown(fn: () => void): MockAssertionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(MockAssertionError);
    return error as MockAssertionError;
  }
  throw new Error("expected an assertion error");
}

describe("mock assertions", () => {
  it("pass silently when they hold", async () => {
    const { work, idle } = await workerMock([7]);
    work.assertCalled();
    work.assertCalledOnce();
    work.assertCalledTimes(1);
    work.assertCalledWith({ item: 7, stepName: "work", attempt: 1 });
    work.assertCalledWith({ ctx: { tenant: "acme" } });
    work.assertCalledWith({ state: { items: [7] } });
    idle.assertCalledOnce(); // the join ran once after the map
    expect(work.callCount).toBe(1);
    expect(work.lastCall?.item).toBe(7);
  });

  it("assertCalledOnce says how often the step was called and lists the calls", async () => {
    const { work } = await workerMock([1, 2]);
    const error = thrown(() => work.assertCalledOnce());
    expect(error.message).toBe(
      "Expected step 'work' to be called once, but it was called 2 times.\n" +
        "Calls:\n" +
        "  1. { attempt: 1, item: 1, ctx: { tenant: 'acme' } }\n" +
        "  2. { attempt: 1, item: 2, ctx: { tenant: 'acme' } }",
    );
    expect(error).toMatchObject({ name: "MockAssertionError", step: "work", expected: 1, actual: 2 });
  });

  it("assertCalledOnce on a step never called", async () => {
    const { work } = await workerMock([]);
    expect(thrown(() => work.assertCalledOnce()).message).toBe(
      "Expected step 'work' to be called once, but it was called 0 times.",
    );
    expect(thrown(() => work.assertCalled()).message).toBe(
      "Expected step 'work' to be called, but it was never called.",
    );
  });

  it("assertNotCalled lists the unexpected calls", async () => {
    const { work } = await workerMock([3]);
    expect(thrown(() => work.assertNotCalled()).message).toBe(
      "Expected step 'work' not to be called, but it was called 1 time.\n" +
        "Calls:\n" +
        "  1. { attempt: 1, item: 3, ctx: { tenant: 'acme' } }",
    );
  });

  it("assertCalledTimes names the expected count", async () => {
    const { work } = await workerMock([1, 2, 3]);
    work.assertCalledTimes(3);
    const error = thrown(() => work.assertCalledTimes(2));
    expect(error.message).toMatch(/^Expected step 'work' to be called 2 times, but it was called 3 times\./);
    expect(() => work.assertCalledTimes(-1)).toThrow(TypeError);
  });

  it("assertCalledWith shows the compared fields of every call", async () => {
    const { work } = await workerMock([1, 2]);
    const error = thrown(() => work.assertCalledWith({ item: 5, attempt: 1 }));
    expect(error.message).toBe(
      "Expected step 'work' to be called with { item: 5, attempt: 1 }, but no call matched. Calls (compared fields only):\n" +
        "  1. { item: 1, attempt: 1 }\n" +
        "  2. { item: 2, attempt: 1 }",
    );
    expect(error.expected).toEqual({ item: 5, attempt: 1 });
    expect(error.actual).toEqual([
      { item: 1, attempt: 1 },
      { item: 2, attempt: 1 },
    ]);
  });

  it("assertCalledWith on a step never called", async () => {
    const { work } = await workerMock([]);
    expect(thrown(() => work.assertCalledWith({ item: 1 })).message).toBe(
      "Expected step 'work' to be called with { item: 1 }, but it was never called.",
    );
  });

  it("assertCalledWith compares deeply and strictly, and accepts asymmetric matchers", async () => {
    const { work } = await workerMock([1]);
    work.assertCalledWith({ state: { items: [1] } });
    expect(() => work.assertCalledWith({ state: { items: [1], extra: true } as never })).toThrow(
      MockAssertionError,
    );
    expect(() => work.assertCalledWith({ item: "1" as never })).toThrow(MockAssertionError);
    work.assertCalledWith({ item: expect.any(Number), ctx: expect.objectContaining({ tenant: "acme" }) });
  });

  it("assertCalledWith rejects fields a call does not have", async () => {
    const { work } = await workerMock([1]);
    expect(() => work.assertCalledWith({ items: [1] } as never)).toThrow(
      "assertCalledWith got unknown field(s) 'items'; a call has state, ctx, item, error, stepName, attempt, runId. To match the state, pass { state: ... }.",
    );
    expect(() => work.assertCalledWith(null as never)).toThrow(TypeError);
  });

  it("clear() forgets earlier calls", async () => {
    const { work, tester } = await workerMock([1]);
    work.clear();
    work.assertNotCalled();
    await tester.run({ items: [4, 5] }, { context: { tenant: "acme" } });
    work.assertCalledTimes(2);
  });

  it("is a plain Error, usable with any test runner", () => {
    const error = new MockAssertionError("s", "message", 1, 2);
    expect(error).toBeInstanceOf(Error);
    expect(error.stack).toContain("MockAssertionError");
  });
});
