import { describe, expect, it } from "vitest";
import { MockAssertionError, Pipe, Skip } from "../../src/index.js";
import { TestPipe } from "../../src/testing/index.js";

interface State {
  log: string[];
  user?: string;
}

/** A pipe whose hooks would touch the outside world. */
function connectedPipe() {
  const pipe = new Pipe<State, { db: { open(): string } }>({ name: "connected" });
  pipe.onStartup(({ state, ctx }) => {
    state.user = ctx.db.open();
    state.log.push("real startup");
  });
  pipe.onShutdown(({ state }) => {
    state.log.push("real shutdown");
    throw new Error("could not close the pool");
  });
  pipe.onError(({ state }) => {
    state.log.push("real onError");
  });
  pipe.step("work", ({ state }) => {
    state.log.push(`work for ${state.user}`);
    if (state.user === "fail") throw new Error("work failed");
  });
  return pipe;
}

const noDb = {
  db: {
    open(): string {
      throw new Error("no database in tests");
    },
  },
};

describe("TestPipe hook mocks", () => {
  it("replaces startup and shutdown hooks with recording mocks, and restore puts them back", async () => {
    const pipe = connectedPipe();
    const tester = new TestPipe(pipe);
    const startup = tester.mockStartup(({ state }) => {
      state.user = "ada";
    });
    const shutdown = tester.mockShutdown();
    const state: State = { log: [] };
    const result = await tester.run(state, { context: noDb });
    expect(result.status).toBe("success");
    expect(state.log).toEqual(["work for ada"]);
    startup.assertCalledOnce();
    shutdown.assertCalledOnce();
    startup.assertCalledWith({ state, runId: result.events[0]!.runId });

    tester.restore();
    const real = await tester.run({ log: [] }, { context: { db: { open: () => "bob" } } });
    expect(real.finalState.log).toEqual(["real startup", "work for bob", "real shutdown"]);
    expect(real.status).toBe("failed");
    expect(startup.callCount).toBe(1);
  });

  it("works after the pipe's first run (the freeze) too", async () => {
    const pipe = connectedPipe();
    const tester = new TestPipe(pipe);
    await tester.run({ log: [] }, { context: { db: { open: () => "first" } } });
    const startup = tester.mockStartup(({ state }) => {
      state.user = "mocked";
    });
    tester.mockShutdown();
    const result = await tester.run({ log: [] }, { context: noDb });
    expect(result.status).toBe("success");
    expect(result.finalState.log).toEqual(["work for mocked"]);
    startup.assertCalledOnce();
  });

  it("a startup mock that throws fails the run as a startup failure", async () => {
    using tester = new TestPipe(connectedPipe());
    tester.mockStartup(() => {
      throw new Error("db down");
    });
    tester.mockShutdown();
    const result = await tester.run({ log: [] }, { context: noDb });
    expect(result.finish.failureKind).toBe("startup");
    expect(result.finish.error).toBe("Startup hook failed: db down");
  });

  it("mockOnError records the failure and still fails the run unless its implementation recovers", async () => {
    const tester = new TestPipe(connectedPipe());
    tester.mockStartup(({ state }) => {
      state.user = "fail";
    });
    tester.mockShutdown();
    const onError = tester.mockOnError();
    const failed = await tester.run({ log: [] });
    expect(failed.status).toBe("failed");
    expect(failed.finalState.log).toEqual(["work for fail"]);
    onError.assertCalledOnce();
    onError.assertCalledWith({ stepName: "work", attempt: 1 });
    expect(onError.lastCall?.error).toEqual(new Error("work failed"));

    const skipping = tester.mockOnError(() => new Skip());
    const skipped = await tester.run({ log: [] });
    expect(skipped.status).toBe("success");
    skipping.assertCalledOnce();
    expect(onError.callCount).toBe(1);
  });

  it("names the hooks in assertion messages and checks the implementation", () => {
    const tester = new TestPipe(connectedPipe());
    const shutdown = tester.mockShutdown();
    expect(() => shutdown.assertCalledOnce()).toThrow(MockAssertionError);
    expect(() => shutdown.assertCalledOnce()).toThrow(
      "Expected shutdown hooks of 'connected' to be called once, but it was called 0 times.",
    );
    expect(() => tester.mockOnError("nope" as never)).toThrow(
      "Expected the implementation of the error handlers of 'connected' mock to be a function",
    );
  });
});
