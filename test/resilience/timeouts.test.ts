import { describe, expect, it } from "vitest";
import {
  BarrierTimeoutError,
  EventType,
  Pipe,
  type PipeEvent,
  SimulatedClock,
  StepTimeoutError,
  Stop,
} from "../../src/index.js";
import {
  closeOf,
  drive,
  expectNothingStartsAfter,
  firstIterationError,
  never,
  ofType,
  runAll,
  sleepOn,
  stepErrors,
  untilAborted,
} from "./support.js";

function indexOf<S>(events: readonly PipeEvent<S>[], type: string, stage?: string): number {
  return events.findIndex((e) => e.type === type && (stage === undefined || e.stage === stage));
}

describe("step timeout", () => {
  it("fails the step with a StepTimeoutError naming step and limit, and aborts its signal", async () => {
    const clock = new SimulatedClock();
    let signal: AbortSignal | undefined;
    const pipe = new Pipe<{ after: boolean }>({ name: "step-timeout", clock });
    pipe.step(
      "slow",
      (args) => {
        signal = args.signal;
        return untilAborted(args.signal);
      },
      { timeout: 250, to: "after" },
    );
    pipe.step("after", ({ state }) => {
      state.after = true;
    });
    const state = { after: false };
    const { events, finish } = await drive(clock, pipe.run(state));
    const [payload] = stepErrors(events, "slow");
    expect(payload?.error).toBeInstanceOf(StepTimeoutError);
    const error = payload!.error as StepTimeoutError;
    expect(error.step).toBe("slow");
    expect(error.timeoutMs).toBe(250);
    expect(error.code).toBe("STEP_TIMEOUT");
    expect(error.message).toContain("'slow'");
    expect(error.message).toContain("250 ms");
    expect(payload?.retrying).toBe(false);
    expect(ofType(events, EventType.STEP_ERROR, "slow")[0]!.timestamp).toBe(250);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(error);
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("slow");
    expect(finish.failureKind).toBe("step");
    expect(finish.durationMs).toBe(250);
    expect(state.after).toBe(false);
  });

  it("times out promptly a step that ignores its signal", async () => {
    const clock = new SimulatedClock();
    let shutdowns = 0;
    const pipe = new Pipe({ name: "step-timeout-deaf", clock });
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step("deaf", () => never(), { timeout: 100 });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(stepErrors(events, "deaf")[0]?.error).toBeInstanceOf(StepTimeoutError);
    expect(finish.status).toBe("failed");
    expect(finish.durationMs).toBe(100);
    expect(shutdowns).toBe(1);
  });

  it("is retriable like any error; each attempt gets its own limit and signal", async () => {
    const clock = new SimulatedClock();
    const signals: AbortSignal[] = [];
    const pipe = new Pipe({ name: "step-timeout-retry", clock });
    pipe.step(
      "flaky",
      async ({ attempt, signal }) => {
        signals.push(signal);
        if (attempt === 1) await never();
        await sleepOn(clock, 60, signal);
      },
      { timeout: 100, retries: 1 },
    );
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(ofType(events, EventType.STEP_START, "flaky").map((e) => [e.attempt, e.timestamp])).toEqual([
      [1, 0],
      [2, 100],
    ]);
    const [retrying] = stepErrors(events, "flaky");
    expect(retrying?.retrying).toBe(true);
    expect(retrying?.error).toBeInstanceOf(StepTimeoutError);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[1]?.aborted).toBe(false);
    expect(finish.durationMs).toBe(160);
    expect(clock.pendingTimers).toBe(0);
  });

  it("gives the step's onError the StepTimeoutError", async () => {
    const clock = new SimulatedClock();
    const handled: unknown[] = [];
    const pipe = new Pipe({ name: "step-timeout-handled", clock });
    pipe.step("slow", ({ signal }) => untilAborted(signal), {
      timeout: 40,
      onError: ({ error }) => {
        handled.push(error);
      },
    });
    const { finish } = await drive(clock, pipe.run({}));
    expect(handled).toEqual([expect.any(StepTimeoutError)]);
    expect(finish.status).toBe("success");
  });

  it("keeps the tokens a streaming step yielded before it timed out", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "step-timeout-stream", clock });
    pipe.step(
      "gen",
      async function* () {
        yield "one";
        yield "two";
        await never();
      },
      { timeout: 75 },
    );
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(ofType(events, EventType.TOKEN, "gen").map((e) => e.payload)).toEqual(["one", "two"]);
    expect(stepErrors(events, "gen")[0]?.error).toBeInstanceOf(StepTimeoutError);
    expect(finish.status).toBe("failed");
    expect(finish.durationMs).toBe(75);
  });

  it("does not fire for a step that ends in time, and ignores a step's late result", async () => {
    const clock = new SimulatedClock();
    let late: (() => void) | undefined;
    const pipe = new Pipe({ name: "step-timeout-ok", clock });
    pipe.step("quick", ({ signal }) => sleepOn(clock, 99, signal), { timeout: 100, to: "deaf" });
    pipe.step("deaf", () => new Promise<void>((resolve) => (late = resolve)), {
      timeout: 100,
      onError: () => undefined,
    });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(stepErrors(events)).toHaveLength(0);
    late?.();
    expect(clock.pendingTimers).toBe(0);
  });

  it("fails a sub-pipeline step at its timeout even when the child's step ignores its signal", async () => {
    const clock = new SimulatedClock();
    let childShutdowns = 0;
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.onShutdown(() => {
      childShutdowns++;
    });
    child.step("inner", () => never());
    const pipe = new Pipe({ name: "sub-timeout-deaf", clock });
    pipe.sub("nested", () => ({ n: 1 }), { pipeline: child, timeout: 100 });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("nested");
    expect(finish.durationMs).toBe(100);
    expect(stepErrors(events, "nested")[0]?.error).toBeInstanceOf(StepTimeoutError);
    expect(childShutdowns).toBe(1);
  });

  it("covers a sub-pipeline step's child run", async () => {
    const clock = new SimulatedClock();
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.step("inner", ({ signal }) => sleepOn(clock, 10_000, signal));
    const pipe = new Pipe({ name: "sub-timeout", clock });
    pipe.sub("nested", () => ({ n: 1 }), { pipeline: child, timeout: 100 });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(finish.durationMs).toBe(100);
    expect(stepErrors(events, "nested")[0]?.error).toBeInstanceOf(StepTimeoutError);
  });
});

describe("run timeout", () => {
  it("emits TIMEOUT, cancels in-flight steps, aborts their signals, starts nothing new, runs shutdown, FINISH timeout", async () => {
    const clock = new SimulatedClock();
    const signals = new Map<string, AbortSignal>();
    const order: string[] = [];
    const pipe = new Pipe<{ log: string[] }>({ name: "run-timeout", clock });
    pipe.onShutdown(({ state }) => {
      state.log.push("shutdown");
    });
    pipe.step("root", () => {}, { to: ["honours", "deaf", "quick"] });
    pipe.step(
      "honours",
      async ({ signal }) => {
        signals.set("honours", signal);
        await sleepOn(clock, 10_000, signal);
      },
      { to: "afterHonours" },
    );
    pipe.step(
      "deaf",
      async ({ signal }) => {
        signals.set("deaf", signal);
        await never();
      },
      { to: "afterDeaf" },
    );
    pipe.step("quick", ({ signal }) => sleepOn(clock, 100, signal), { to: "second" });
    pipe.step("second", ({ signal }) => sleepOn(clock, 10_000, signal));
    pipe.step("afterHonours", () => {
      order.push("afterHonours");
    });
    pipe.step("afterDeaf", () => {
      order.push("afterDeaf");
    });
    const state = { log: [] as string[] };
    const { events, finish } = await drive(clock, pipe.run(state, { timeout: 1_000 }));

    const timeouts = ofType(events, EventType.TIMEOUT);
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]!.stage).toBe("system");
    expect(timeouts[0]!.timestamp).toBe(1_000);
    expect(timeouts[0]!.payload.reason).toContain("1000 ms");
    const at = events.indexOf(timeouts[0]!);
    expectNothingStartsAfter(events, at);

    // Each step still running at the timeout is closed by a CANCELLED of its own invocation.
    for (const stage of ["honours", "deaf", "second"]) {
      const start = ofType(events, EventType.STEP_START, stage)[0]!;
      const close = closeOf(events, start.invocationId!);
      expect(close.type).toBe(EventType.CANCELLED);
      expect(close.stage).toBe(stage);
      expect(events.indexOf(close)).toBeGreaterThan(at);
    }
    expect(signals.get("honours")?.aborted).toBe(true);
    expect(signals.get("deaf")?.aborted).toBe(true);
    expect(order).toEqual([]);
    expect(state.log).toEqual(["shutdown"]);

    expect(finish.status).toBe("timeout");
    expect(finish.reason).toBe("timeout");
    expect(finish.failureKind).toBe("none");
    expect(finish.failureSource).toBe("none");
    expect(finish.error).toBeUndefined();
    expect(finish.failedStep).toBeUndefined();
    expect(finish.errors).toEqual([]);
    expect(finish.durationMs).toBe(1_000);
    expect(clock.pendingTimers).toBe(0);
  });

  it("finishes at the timeout even when the only running step ignores its signal", async () => {
    const clock = new SimulatedClock();
    let shutdowns = 0;
    const pipe = new Pipe({ name: "run-timeout-deaf", clock });
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step("deaf", () => never());
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 300 }));
    expect(finish.status).toBe("timeout");
    expect(finish.durationMs).toBe(300);
    expect(shutdowns).toBe(1);
    expect(ofType(events, EventType.CANCELLED, "deaf")).toHaveLength(1);
    // TIMEOUT, the step's CANCELLED, then FINISH.
    expect(events.slice(-3).map((e) => `${e.type}:${e.stage}`)).toEqual([
      "timeout:system",
      "cancelled:deaf",
      "finish:system",
    ]);
  });

  it("runs the shutdown hooks after TIMEOUT and before FINISH", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "run-timeout-shutdown", clock });
    pipe.onShutdown(() => {
      throw new Error("shutdown ran");
    });
    pipe.step("deaf", () => never());
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 50 }));
    expect(finish.status).toBe("timeout");
    const timeout = indexOf(events, EventType.TIMEOUT);
    const shutdown = indexOf(events, EventType.STEP_ERROR, "shutdown");
    expect(timeout).toBeGreaterThanOrEqual(0);
    expect(shutdown).toBeGreaterThan(timeout);
    // The shutdown failure is recorded but the timeout decides the status.
    expect(finish.errors.map((e) => e.kind)).toEqual(["shutdown"]);
  });

  it("ends a run stuck in a startup hook that ignores its signal", async () => {
    const clock = new SimulatedClock();
    let shutdowns = 0;
    const pipe = new Pipe({ name: "run-timeout-startup", clock });
    pipe.onStartup(() => never());
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step("never-runs", () => {});
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 200 }));
    expect(finish.status).toBe("timeout");
    expect(ofType(events, EventType.START)).toHaveLength(0);
    expect(ofType(events, EventType.STEP_START)).toHaveLength(0);
    expect(shutdowns).toBe(1);
  });

  it("cancels an in-flight error handler's step at the timeout", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "run-timeout-handler", clock });
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      { onError: () => never().then(() => undefined) },
    );
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 500 }));
    expect(finish.status).toBe("timeout");
    expect(ofType(events, EventType.CANCELLED, "call")).toHaveLength(1);
  });

  it("closes map workers before their map when the timeout hits", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "run-timeout-map", clock });
    pipe.map("fan", () => [1, 2, 3, 4], { each: "work", maxConcurrency: 2 });
    pipe.step<number>("work", ({ item }) => (item % 2 === 0 ? never() : sleepOn(clock, 10_000)));
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 100 }));
    expect(finish.status).toBe("timeout");
    const owner = ofType(events, EventType.STEP_START, "fan")[0]!;
    const ownerClose = events.indexOf(closeOf(events, owner.invocationId!));
    expect(events[ownerClose]!.type).toBe(EventType.CANCELLED);
    for (const worker of ofType(events, EventType.STEP_START, "work")) {
      const close = closeOf(events, worker.invocationId!);
      expect(close.type).toBe(EventType.CANCELLED);
      expect(events.indexOf(close)).toBeLessThan(ownerClose);
    }
    expect(ofType(events, EventType.MAP_WORKER)).toHaveLength(2);
  });

  it("closes a sub-pipeline step after its child run when the timeout hits", async () => {
    const clock = new SimulatedClock();
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.step("inner", () => never());
    const pipe = new Pipe({ name: "run-timeout-sub", clock });
    pipe.sub("nested", () => ({ n: 1 }), { pipeline: child });
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 100 }));
    expect(finish.status).toBe("timeout");
    expect(finish.durationMs).toBe(100);
    const owner = ofType(events, EventType.STEP_START, "nested")[0]!;
    const ownerClose = closeOf(events, owner.invocationId!);
    expect(ownerClose.type).toBe(EventType.CANCELLED);
    const inner = events.find((e) => e.type === EventType.STEP_START && e.stage === "nested:inner");
    expect(inner).toBeDefined();
    const innerClose = events.find(
      (e) => e.invocationId === inner!.invocationId && e.type !== EventType.STEP_START,
    );
    expect(innerClose).toBeDefined();
    expect(events.indexOf(innerClose!)).toBeLessThan(events.indexOf(ownerClose));
  });

  it("does nothing when the run ends first, and leaves no timer behind", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "run-timeout-unused", clock });
    pipe.step("quick", ({ signal }) => sleepOn(clock, 10, signal));
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 1_000 }));
    expect(finish.status).toBe("success");
    expect(ofType(events, EventType.TIMEOUT)).toHaveLength(0);
    expect(finish.durationMs).toBe(10);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("barrier timeout", () => {
  function joinPipe(clock: SimulatedClock, onError?: () => undefined) {
    const calls = { join: 0, after: 0, handler: 0 };
    const signals: AbortSignal[] = [];
    const pipe = new Pipe({ name: "barrier-timeout", clock });
    pipe.step("root", () => {}, { to: ["fast", "slow"] });
    pipe.step("fast", ({ signal }) => sleepOn(clock, 10, signal), { to: "join" });
    pipe.step(
      "slow",
      ({ signal }) => {
        signals.push(signal);
        return sleepOn(clock, 500, signal);
      },
      { to: "join" },
    );
    pipe.step(
      "join",
      () => {
        calls.join++;
      },
      {
        barrierTimeout: 100,
        to: "after",
        ...(onError === undefined
          ? {}
          : {
              onError: () => {
                calls.handler++;
                return onError();
              },
            }),
      },
    );
    pipe.step("after", () => {
      calls.after++;
    });
    return { pipe, calls, signals };
  }

  it("fails the join with a BarrierTimeoutError when its parents do not all end in time", async () => {
    const clock = new SimulatedClock();
    const { pipe, calls, signals } = joinPipe(clock);
    const { events, finish } = await drive(clock, pipe.run({}));
    const [payload] = stepErrors(events, "join");
    expect(payload?.error).toBeInstanceOf(BarrierTimeoutError);
    const error = payload!.error as BarrierTimeoutError;
    expect(error.step).toBe("join");
    expect(error.waitingFor).toEqual(["slow"]);
    expect(error.message).toContain("100 ms");
    // The first parent arrived at 10: the barrier gives up 100 ms later.
    expect(ofType(events, EventType.STEP_ERROR, "join")[0]!.timestamp).toBe(110);
    expect(calls.join).toBe(0);
    expect(calls.after).toBe(0);
    expect(signals[0]?.aborted).toBe(true);
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("join");
    expect(finish.failureKind).toBe("step");
    expect(finish.durationMs).toBe(110);
    expect(finish.metrics?.barriers.join).toMatchObject({ waits: 1, releases: 0, timeouts: 1 });
  });

  it("lets the join's onError recover: its successors run once, even when the slow parent ends later", async () => {
    const clock = new SimulatedClock();
    const { pipe, calls } = joinPipe(clock, () => undefined);
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(calls.handler).toBe(1);
    expect(calls.after).toBe(1);
    expect(ofType(events, EventType.STEP_START, "after")).toHaveLength(1);
    expect(finish.metrics?.barriers.join?.timeouts).toBe(1);
  });

  it("does not hold a run that returned Stop until a waiting barrier times out", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "barrier-then-stop", clock });
    pipe.step("root", () => {}, { to: ["a", "stopper"] });
    pipe.step("a", () => {}, { to: "join" });
    pipe.step(
      "stopper",
      async ({ signal }) => {
        await sleepOn(clock, 10, signal);
        return Stop;
      },
      { to: "c" },
    );
    pipe.step("c", () => {}, { to: "join" });
    pipe.step("join", () => {}, { barrierTimeout: 50_000 });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(ofType(events, EventType.BARRIER_WAIT, "join")).toHaveLength(1);
    expect(finish.status).toBe("success");
    expect(finish.durationMs).toBe(10);
    expect(clock.pendingTimers).toBe(0);
  });

  it("releases normally when the parents arrive in time and leaves no timer behind", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "barrier-in-time", clock });
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", ({ signal }) => sleepOn(clock, 10, signal), { to: "join" });
    pipe.step("b", ({ signal }) => sleepOn(clock, 60, signal), { to: "join" });
    pipe.step("join", () => {}, { barrierTimeout: 100 });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(ofType(events, EventType.BARRIER_RELEASE, "join").map((e) => e.payload)).toEqual([
      { durationMs: 50 },
    ]);
    expect(finish.metrics?.barriers.join).toMatchObject({ waits: 1, releases: 1, timeouts: 0 });
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("timeouts on the real clock", () => {
  const DAY = 24 * 3_600_000;
  const briefly = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

  it("does not fire a step timeout longer than 2^31-1 ms early", async () => {
    const pipe = new Pipe({ name: "long-step-timeout" });
    pipe.step("work", () => briefly(), { timeout: 30 * DAY });
    const { finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("success");
  });

  it("does not fire a run timeout longer than 2^31-1 ms early", async () => {
    const pipe = new Pipe({ name: "long-run-timeout" });
    pipe.step("work", () => briefly());
    const { finish } = await runAll(pipe.run({}, { timeout: 30 * DAY }));
    expect(finish.status).toBe("success");
  });
});

describe("invalid run timeouts", () => {
  it.each([
    ["a negative number", -5],
    ["NaN", Number.NaN],
    ["zero", 0],
    ["a string", "5000"],
  ])("rejects %s as the run timeout on the first iteration, naming the option", async (_label, timeout) => {
    const pipe = new Pipe({ name: "bad-run-timeout" });
    let ran = false;
    pipe.step("work", () => {
      ran = true;
    });
    const { outcome, rejections } = await firstIterationError(pipe.run({}, { timeout: timeout as number }));
    expect(rejections).toEqual([]);
    expect(outcome).toBeInstanceOf(TypeError);
    expect((outcome as Error).message).toBe(
      `run(): expected \`timeout\` to be a number of milliseconds > 0, got \`${String(timeout)}\` (${typeof timeout}).`,
    );
    expect(ran).toBe(false);
  });
});
