/**
 * Issue 15, defect 3 (the run-time half; test/types/required-context.test-d.ts has the type
 * half): `new Pipe<S, { userId: string }>()` run without `context` failed inside the step with
 * "Cannot read properties of undefined". The failure now says the run was given no context and
 * how to pass one.
 */
import { describe, expect, it } from "vitest";
import { EventType, MemoryStore, Pipe } from "../../src/index.js";
import { collect } from "../helpers.js";

interface Context {
  userId: string;
}

async function failure(pipe: Pipe<any, any>, options: object): Promise<{ message?: string; error?: string }> {
  const events = await collect(pipe.run({}, options as never));
  const stepError = events.find((e) => e.type === EventType.STEP_ERROR);
  const finish = events.at(-1);
  return {
    ...(stepError?.type === EventType.STEP_ERROR ? { message: stepError.payload.message } : {}),
    ...(finish?.type === EventType.FINISH && finish.payload.error !== undefined
      ? { error: finish.payload.error }
      : {}),
  };
}

const HINT =
  " (this run was given no `context`: if the step reads `ctx`, pass one with pipe.run(state, { context }) or pipe.invoke(state, { context }))";

describe("a run without the context its steps read", () => {
  it("fails the step with a message that says the run has no context and how to pass one", async () => {
    const pipe = new Pipe<object, Context>({ name: "needs-context" });
    pipe.step("load", ({ ctx }) => {
      if (ctx.userId === "") throw new Error("unreachable");
    });
    const { message, error } = await failure(pipe, {});
    expect(message).toBe(`Cannot read properties of undefined (reading 'userId')${HINT}`);
    expect(error).toBe(message);
  });

  it("says the same when the step destructures ctx, and for a startup hook", async () => {
    const pipe = new Pipe<object, Context>({ name: "destructures" });
    pipe.step("load", ({ ctx: { userId } }) => void userId);
    expect((await failure(pipe, {})).message).toMatch(
      /^Cannot (destructure property 'userId'|read properties of undefined \(reading 'userId'\)).* \(this run was given no `context`/,
    );

    const hooked = new Pipe<object, Context>({ name: "hook" });
    hooked.onStartup(({ ctx }) => void ctx.userId.length);
    hooked.step("a", () => {});
    expect((await failure(hooked, {})).error).toContain(HINT);
  });

  it("adds nothing when the run has a context, or the error is not a TypeError", async () => {
    const pipe = new Pipe<object, Context>({ name: "has-context" });
    pipe.step("load", ({ state }) => void (state as { missing: { x: number } }).missing.x);
    expect((await failure(pipe, { context: { userId: "u" } })).message).toBe(
      "Cannot read properties of undefined (reading 'x')",
    );
    const other = new Pipe({ name: "other" });
    other.step("load", () => {
      throw new Error("Cannot read properties of undefined (reading 'x')");
    });
    expect((await failure(other, {})).message).toBe("Cannot read properties of undefined (reading 'x')");
  });
});

describe("requireContext: true, the run-time check of a required context", () => {
  function guarded(calls: string[]): Pipe<object, Context> {
    const pipe = new Pipe<object, Context>({ name: "guarded", requireContext: true });
    pipe.onStartup(() => void calls.push("startup"));
    pipe.step("load", ({ ctx }) => void calls.push(`load ${ctx.userId}`));
    return pipe;
  }
  const MISSING =
    "run(): pipe 'guarded' needs a context (it was made with `requireContext: true`), and this run was given none. Pass it: pipe.run(state, { context }) or pipe.invoke(state, { context }).";

  it("run() without context throws a TypeError naming the pipe from the first iteration; nothing runs", async () => {
    const calls: string[] = [];
    const pipe = guarded(calls);
    const stream = pipe.run({}, {} as never); // a JavaScript caller, or a cast: types cannot see it
    expect(calls).toEqual([]);
    await expect(stream.next()).rejects.toThrow(new TypeError(MISSING));
    await expect(collect((pipe as unknown as Pipe<object>).run({}))).rejects.toThrow(MISSING);
    await expect(pipe.invoke({}, { context: undefined } as never)).rejects.toThrow(MISSING);
    expect(calls).toEqual([]);
  });

  it("runs as before with a context", async () => {
    const calls: string[] = [];
    const { end } = await guarded(calls).invoke({}, { context: { userId: "u1" } });
    expect(end.status).toBe("success");
    expect(calls).toEqual(["startup", "load u1"]);
  });

  it("resume() without context is refused before the store is read", async () => {
    const pipe = guarded([]);
    const store = new MemoryStore();
    await expect(collect(pipe.resume("no-such-run", { store }))).rejects.toThrow(
      "resume('no-such-run'): pipe 'guarded' needs a context (it was made with `requireContext: true`), and this run was given none. Pass it: pipe.resume(runId, { context }).",
    );
  });

  it("a sub-pipeline that requires a context fails its sub step when the parent run has none", async () => {
    const child = guarded([]);
    const parent = new Pipe<object, Context | undefined>({ name: "parent" });
    parent.sub("nested", () => ({}), { pipeline: child });
    const { end } = await parent.invoke({}, { throwOnFailure: false });
    expect(end.status).toBe("failed");
    expect(end.error).toContain("needs a context");
    expect((await parent.invoke({}, { context: { userId: "u" } })).end.status).toBe("success");
  });

  it("is off by default: a Context that admits undefined runs without one", async () => {
    const pipe = new Pipe<object, Context | undefined>({ name: "optional" });
    pipe.step("load", ({ ctx }) => void ctx?.userId);
    expect((await pipe.invoke({})).end.status).toBe("success");
  });

  it("must be a boolean", () => {
    expect(() => new Pipe({ requireContext: "yes" as never })).toThrow(
      "new Pipe(): expected `requireContext` to be true or false, got `yes` (string).",
    );
  });
});
