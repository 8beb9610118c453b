import { describe, expect, it } from "vitest";
import {
  EventType,
  Pipe,
  Raise,
  Retry,
  Skip,
  type StepArgs,
  StepNotFoundError,
  Stop,
  Suspend,
} from "../../src/index.js";
import { closeOf, ofType, runAll, stepErrors, turns } from "./support.js";

interface S {
  log: string[];
}

const fresh = (): S => ({ log: [] });

function started(events: readonly { type: string; stage: string }[]): string[] {
  return events.filter((e) => e.type === EventType.STEP_START).map((e) => e.stage);
}

describe("what error handlers receive", () => {
  it("gives a step's onError { error, state, ctx, stepName, attempt } (and signal, runId)", async () => {
    const boom = new Error("boom");
    let seen: StepArgs<S, { tenant: string }> | undefined;
    const pipe = new Pipe<S, { tenant: string }>({ name: "local-args" });
    pipe.step(
      "call",
      () => {
        throw boom;
      },
      {
        retries: 1,
        onError: (args) => {
          seen = args;
        },
      },
    );
    const state = fresh();
    const { finish } = await runAll(pipe.run(state, { context: { tenant: "acme" } }));
    expect(finish.status).toBe("success");
    expect(seen).toBeDefined();
    expect(seen!.error).toBe(boom);
    expect(seen!.state).toBe(state);
    expect(seen!.ctx).toEqual({ tenant: "acme" });
    expect(seen!.stepName).toBe("call");
    // The handler runs after the automatic retry was used up: it sees the last attempt.
    expect(seen!.attempt).toBe(2);
    expect(seen!.signal).toBeInstanceOf(AbortSignal);
    expect(typeof seen!.runId).toBe("string");
  });

  it("gives the global pipe.onError the same fields", async () => {
    const boom = new Error("boom");
    const seen: StepArgs<S, { tenant: string }>[] = [];
    const pipe = new Pipe<S, { tenant: string }>({ name: "global-args" });
    pipe.onError((args) => {
      seen.push(args);
    });
    pipe.step("call", () => {
      throw boom;
    });
    const state = fresh();
    const { finish } = await runAll(pipe.run(state, { context: { tenant: "acme" } }));
    expect(finish.status).toBe("success");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.error).toBe(boom);
    expect(seen[0]!.state).toBe(state);
    expect(seen[0]!.ctx).toEqual({ tenant: "acme" });
    expect(seen[0]!.stepName).toBe("call");
    expect(seen[0]!.attempt).toBe(1);
  });
});

describe("what an error handler returns", () => {
  it("nothing: the step is recovered (STEP_END), its successors run, the run succeeds", async () => {
    const pipe = new Pipe<S>({ name: "recover" });
    pipe.step(
      "call",
      async () => {
        await Promise.resolve();
        throw new Error("boom");
      },
      { to: "after", onError: async () => undefined },
    );
    pipe.step("after", ({ state }) => {
      state.log.push("after");
    });
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    const start = ofType(events, EventType.STEP_START, "call")[0]!;
    expect(closeOf(events, start.invocationId!).type).toBe(EventType.STEP_END);
    expect(stepErrors(events)).toEqual([]);
    expect(state.log).toEqual(["after"]);
    expect(finish.status).toBe("success");
    expect(finish.errors).toEqual([]);
    expect(finish.failureKind).toBe("none");
  });

  it("Retry: runs the step again as a new attempt", async () => {
    const pipe = new Pipe<S>({ name: "handler-retry" });
    pipe.step(
      "call",
      ({ attempt, state }) => {
        state.log.push(`call ${attempt}`);
        if (attempt === 1) throw new Error("first try");
      },
      { to: "after", onError: () => new Retry() },
    );
    pipe.step("after", ({ state }) => {
      state.log.push("after");
    });
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    expect(state.log).toEqual(["call 1", "call 2", "after"]);
    expect(ofType(events, EventType.STEP_START, "call").map((e) => e.attempt)).toEqual([1, 2]);
    expect(stepErrors(events, "call").map((p) => p.retrying)).toEqual([true]);
    expect(finish.status).toBe("success");
    expect(finish.metrics?.retries).toBe(1);
  });

  it("Skip: the step ends, its successors are pruned, an all-join below it does not run, the run succeeds", async () => {
    const pipe = new Pipe<S>({ name: "skip" });
    const log =
      (name: string) =>
      ({ state }: StepArgs<S>) => {
        state.log.push(name);
      };
    pipe.step("root", log("root"), { to: ["a", "b"] });
    pipe.step(
      "a",
      () => {
        throw new Error("a failed");
      },
      { to: "a2", onError: () => new Skip() },
    );
    pipe.step("a2", log("a2"), { to: "join" });
    pipe.step(
      "b",
      async ({ state }) => {
        await turns(1);
        state.log.push("b");
      },
      { to: ["join", "b2"] },
    );
    pipe.step("b2", log("b2"));
    pipe.step("join", log("join"), { to: "below" });
    pipe.step("below", log("below"));
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    const aStart = ofType(events, EventType.STEP_START, "a")[0]!;
    expect(closeOf(events, aStart.invocationId!).type).toBe(EventType.STEP_END);
    expect(state.log.sort()).toEqual(["b", "b2", "root"]);
    expect(started(events)).not.toContain("a2");
    expect(started(events)).not.toContain("join");
    expect(started(events)).not.toContain("below");
    expect(finish.status).toBe("success");
    expect(finish.errors).toEqual([]);
  });

  it("Raise(err): fails the step with that error", async () => {
    const replacement = new Error("replacement");
    const pipe = new Pipe<S>({ name: "raise-with" });
    pipe.step(
      "call",
      () => {
        throw new Error("original");
      },
      { to: "after", onError: () => new Raise(replacement) },
    );
    pipe.step("after", ({ state }) => {
      state.log.push("after");
    });
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    expect(stepErrors(events, "call")).toEqual([
      { message: "replacement", error: replacement, retrying: false },
    ]);
    expect(state.log).toEqual([]);
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("call");
    expect(finish.error).toBe("replacement");
    expect(finish.errors[0]?.cause).toBe(replacement);
  });

  it("Raise(): fails the step with the original error", async () => {
    const original = new Error("original");
    const pipe = new Pipe<S>({ name: "raise-bare" });
    pipe.step(
      "call",
      () => {
        throw original;
      },
      { onError: () => new Raise() },
    );
    const { events, finish } = await runAll(pipe.run(fresh()));
    expect(stepErrors(events, "call").map((p) => p.error)).toEqual([original]);
    expect(finish.status).toBe("failed");
    expect(finish.error).toBe("original");
  });

  it("Raise returned by a step behaves exactly like a throw (retries and handlers apply)", async () => {
    const err = new Error("raised");
    const handled: unknown[] = [];
    const pipe = new Pipe<S>({ name: "raise-from-step" });
    pipe.step("call", ({ attempt }) => (attempt === 1 ? new Raise(err) : new Raise(new Error("again"))), {
      retries: 1,
      onError: ({ error }) => {
        handled.push(error);
        return new Raise();
      },
    });
    const { events, finish } = await runAll(pipe.run(fresh()));
    expect(ofType(events, EventType.STEP_START, "call").map((e) => e.attempt)).toEqual([1, 2]);
    expect(stepErrors(events, "call").map((p) => [p.message, p.retrying])).toEqual([
      ["raised", true],
      ["again", false],
    ]);
    expect(handled.map((e) => (e as Error).message)).toEqual(["again"]);
    expect(finish.status).toBe("failed");
    expect(finish.error).toBe("again");
  });

  it("a jump: the target runs instead of the static successors", async () => {
    const pipe = new Pipe<S>({ name: "handler-jump" });
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      { to: "normal", routes: ["fallback"], onError: () => "fallback" },
    );
    pipe.step("normal", ({ state }) => {
      state.log.push("normal");
    });
    pipe.step("fallback", ({ state }) => {
      state.log.push("fallback");
    });
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    expect(state.log).toEqual(["fallback"]);
    const fallback = ofType(events, EventType.STEP_START, "fallback")[0]!;
    const call = ofType(events, EventType.STEP_START, "call")[0]!;
    expect(fallback.parentInvocationId).toBe(call.invocationId);
    expect(closeOf(events, call.invocationId!).type).toBe(EventType.STEP_END);
    expect(finish.status).toBe("success");
  });

  it("a jump to an unknown step fails the step once (the handler is not asked again)", async () => {
    let calls = 0;
    const pipe = new Pipe<S>({ name: "handler-bad-jump" });
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      {
        onError: () => {
          calls++;
          // Guard against an endless handler loop in a broken engine.
          return calls > 3 ? undefined : "nowhere";
        },
      },
    );
    const { events, finish } = await runAll(pipe.run(fresh()));
    expect(calls).toBe(1);
    expect(finish.status).toBe("failed");
    expect(stepErrors(events, "call").map((p) => p.error)).toEqual([expect.any(StepNotFoundError)]);
  });

  it("Stop: the step ends, nothing else starts, the run succeeds", async () => {
    const pipe = new Pipe<S>({ name: "handler-stop" });
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      { to: "after", onError: () => Stop },
    );
    pipe.step("after", ({ state }) => {
      state.log.push("after");
    });
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    expect(state.log).toEqual([]);
    const call = ofType(events, EventType.STEP_START, "call")[0]!;
    expect(closeOf(events, call.invocationId!).type).toBe(EventType.STEP_END);
    expect(finish.status).toBe("success");
    expect(finish.errors).toEqual([]);
  });

  it("Suspend: SUSPEND { reason, step }, FINISH suspended", async () => {
    const pipe = new Pipe<S>({ name: "handler-suspend" });
    pipe.step(
      "call",
      () => {
        throw new Error("needs a human");
      },
      { to: "after", onError: ({ error }) => new Suspend({ reason: (error as Error).message }) },
    );
    pipe.step("after", () => {});
    const { events, finish } = await runAll(pipe.run(fresh()));
    expect(ofType(events, EventType.SUSPEND).map((e) => e.payload)).toEqual([
      { reason: "needs a human", step: "call" },
    ]);
    expect(started(events)).not.toContain("after");
    expect(finish.status).toBe("suspended");
    expect(finish.failureKind).toBe("none");
    expect(finish.metrics?.suspends).toBe(1);
  });

  it("a handler that throws fails the step with that error, its cause the original", async () => {
    const original = new Error("original");
    const fromHandler = new Error("handler broke");
    const pipe = new Pipe<S>({ name: "handler-throws" });
    pipe.step(
      "call",
      () => {
        throw original;
      },
      {
        onError: () => {
          throw fromHandler;
        },
      },
    );
    const { events, finish } = await runAll(pipe.run(fresh()));
    const [payload] = stepErrors(events, "call");
    expect(payload?.error).toBe(fromHandler);
    expect(payload?.retrying).toBe(false);
    expect(fromHandler.cause).toBe(original);
    expect(finish.status).toBe("failed");
    expect(finish.error).toBe("handler broke");
    expect(finish.failedStep).toBe("call");
  });

  it("a handler that rethrows the original error fails the step with it (no self-cause)", async () => {
    const original = new Error("original");
    const pipe = new Pipe<S>({ name: "handler-rethrows" });
    pipe.step(
      "call",
      () => {
        throw original;
      },
      {
        onError: ({ error }) => {
          throw error;
        },
      },
    );
    const { events, finish } = await runAll(pipe.run(fresh()));
    expect(stepErrors(events, "call").map((p) => p.error)).toEqual([original]);
    expect(original.cause).toBeUndefined();
    expect(finish.error).toBe("original");
  });
});

describe("order of local and global handlers", () => {
  it("runs the step's handler first; when it recovers, the global handlers are not called", async () => {
    const calls: string[] = [];
    const pipe = new Pipe<S>({ name: "order-local-first" });
    pipe.onError(() => {
      calls.push("global");
    });
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      {
        onError: () => {
          calls.push("local");
        },
      },
    );
    const { finish } = await runAll(pipe.run(fresh()));
    expect(calls).toEqual(["local"]);
    expect(finish.status).toBe("success");
  });

  it("passes a local handler's error (cause: the original) on to the global handlers, in order", async () => {
    const original = new Error("original");
    const local = new Error("local failed");
    const firstGlobal = new Error("first global failed");
    const seen: [string, unknown][] = [];
    const pipe = new Pipe<S>({ name: "order-chain" });
    pipe.onError(({ error }) => {
      seen.push(["global 1", error]);
      throw firstGlobal;
    });
    pipe.onError(({ error }) => {
      seen.push(["global 2", error]);
    });
    pipe.step(
      "call",
      () => {
        throw original;
      },
      {
        to: "after",
        onError: ({ error }) => {
          seen.push(["local", error]);
          throw local;
        },
      },
    );
    pipe.step("after", ({ state }) => {
      state.log.push("after");
    });
    const state = fresh();
    const { finish } = await runAll(pipe.run(state));
    expect(seen).toEqual([
      ["local", original],
      ["global 1", local],
      ["global 2", firstGlobal],
    ]);
    expect(local.cause).toBe(original);
    expect(firstGlobal.cause).toBe(local);
    expect(finish.status).toBe("success");
    expect(state.log).toEqual(["after"]);
  });

  it("runs the global handlers when the step has none", async () => {
    const pipe = new Pipe<S>({ name: "global-only" });
    pipe.onError(({ stepName }) => (stepName === "call" ? new Skip() : new Raise()));
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      { to: "after" },
    );
    pipe.step("after", ({ state }) => {
      state.log.push("after");
    });
    const state = fresh();
    const { finish } = await runAll(pipe.run(state));
    expect(state.log).toEqual([]);
    expect(finish.status).toBe("success");
  });

  it("fails the step when every handler throws, with the last handler's error", async () => {
    const last = new Error("last");
    const pipe = new Pipe<S>({ name: "all-throw" });
    pipe.onError(() => {
      throw last;
    });
    pipe.step(
      "call",
      () => {
        throw new Error("original");
      },
      {
        onError: () => {
          throw new Error("local");
        },
      },
    );
    const { events, finish } = await runAll(pipe.run(fresh()));
    expect(stepErrors(events, "call").map((p) => p.error)).toEqual([last]);
    expect(finish.error).toBe("last");
  });
});

describe("error handlers while the run winds down", () => {
  it("still recovers an in-flight step's error after another branch returned Stop", async () => {
    const pipe = new Pipe<S>({ name: "handled-after-stop" });
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", async () => {
      await Promise.resolve();
      return Stop;
    });
    pipe.step(
      "b",
      async () => {
        await turns(1);
        throw new Error("b failed");
      },
      {
        onError: ({ state }) => {
          state.log.push("b handled");
        },
      },
    );
    const state = fresh();
    const { events, finish } = await runAll(pipe.run(state));
    expect(state.log).toEqual(["b handled"]);
    const b = ofType(events, EventType.STEP_START, "b")[0]!;
    expect(closeOf(events, b.invocationId!).type).toBe(EventType.STEP_END);
    expect(finish.status).toBe("success");
    expect(finish.errors).toEqual([]);
  });

  it("still recovers an in-flight step's error after another branch suspended", async () => {
    const pipe = new Pipe<S>({ name: "handled-after-suspend" });
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", async () => {
      await Promise.resolve();
      return new Suspend({ reason: "approval" });
    });
    pipe.step(
      "b",
      async () => {
        await turns(1);
        throw new Error("b failed");
      },
      { onError: () => undefined },
    );
    const { finish } = await runAll(pipe.run(fresh()));
    expect(finish.status).toBe("suspended");
    expect(finish.errors).toEqual([]);
  });
});

describe("error handlers of map workers", () => {
  it("Skip drops only that item: the map completes and its successors run", async () => {
    const pipe = new Pipe<{ done: number[]; after: boolean }>({ name: "worker-skip" });
    pipe.map("fan", () => [1, 2, 3, 4], { each: "work", to: "after" });
    pipe.step<number>(
      "work",
      ({ item, state }) => {
        if (item === 2) throw new Error("bad item");
        state.done.push(item);
      },
      { onError: () => new Skip() },
    );
    pipe.step("after", ({ state }) => {
      state.after = true;
    });
    const state = { done: [] as number[], after: false };
    const { events, finish } = await runAll(pipe.run(state));
    expect(finish.status).toBe("success");
    expect(state.done.sort()).toEqual([1, 3, 4]);
    expect(state.after).toBe(true);
    expect(ofType(events, EventType.MAP_COMPLETE).map((e) => e.payload)).toEqual([
      { target: "work", itemCount: 4 },
    ]);
  });

  it("Raise fails the run; the map closes after its workers", async () => {
    const pipe = new Pipe({ name: "worker-raise" });
    pipe.map("fan", () => [1, 2, 3], { each: "work", to: "after" });
    pipe.step<number>(
      "work",
      async ({ item, signal }) => {
        if (item === 2) throw new Error("bad item");
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
      },
      { onError: () => new Raise() },
    );
    pipe.step("after", () => {});
    const { events, finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("work");
    expect(started(events)).not.toContain("after");
    const owner = ofType(events, EventType.STEP_START, "fan")[0]!;
    const ownerClose = events.indexOf(closeOf(events, owner.invocationId!));
    for (const worker of ofType(events, EventType.STEP_START, "work")) {
      expect(events.indexOf(closeOf(events, worker.invocationId!))).toBeLessThan(ownerClose);
    }
  });
});
