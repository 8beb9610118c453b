/**
 * Issue 15, defect 3 (the run-time half; test/types/required-context.test-d.ts has the type
 * half): `new Pipe<S, { userId: string }>()` run without `context` failed inside the step with
 * "Cannot read properties of undefined". The failure now says the run was given no context and
 * how to pass one.
 */
import { describe, expect, it } from "vitest";
import { EventType, Pipe } from "../../src/index.js";
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
