import { describe, expect, it, vi } from "vitest";
import {
  EventType,
  Pipe,
  type PipeEvent,
  Retry,
  RetryLimitError,
  SimulatedClock,
  type StepErrorPayload,
  Stop,
} from "../../src/index.js";
import { assertRunInvariants, finishOf } from "../helpers.js";
import { cancelMidRun, closeOf, drive, live, ofType, runAll, sleepOn, stepErrors, turns } from "./support.js";

class TransientError extends Error {}

function starts<S>(events: readonly PipeEvent<S>[], stage: string) {
  return ofType(events, EventType.STEP_START, stage);
}

describe("retries: n", () => {
  it("runs n extra attempts, each a new STEP_START with attempt 2, 3..., and fails after the last", async () => {
    const seen: number[] = [];
    const pipe = new Pipe<{ after: boolean }>({ name: "retry-n" });
    const boom = new Error("always down");
    pipe.step(
      "call",
      ({ attempt }) => {
        seen.push(attempt);
        throw boom;
      },
      { retries: 2, to: "after" },
    );
    pipe.step("after", ({ state }) => {
      state.after = true;
    });
    const state = { after: false };
    const { events, finish } = await runAll(pipe.run(state));

    const callStarts = starts(events, "call");
    expect(callStarts.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
    // Every attempt is its own invocation, closed by a STEP_ERROR of that invocation.
    expect(new Set(callStarts.map((e) => e.invocationId)).size).toBe(3);
    const closes = callStarts.map((s) => closeOf(events, s.invocationId!));
    expect(closes.map((e) => e.type)).toEqual([
      EventType.STEP_ERROR,
      EventType.STEP_ERROR,
      EventType.STEP_ERROR,
    ]);
    expect(closes.map((e) => e.attempt)).toEqual([1, 2, 3]);
    const payloads = closes.map((e) => e.payload as StepErrorPayload);
    expect(payloads.map((p) => p.retrying)).toEqual([true, true, false]);
    for (const p of payloads) {
      expect(p.error).toBe(boom);
      expect(p.message).toBe("always down");
    }

    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("step");
    expect(finish.failedStep).toBe("call");
    expect(finish.error).toBe("always down");
    // Only the final failure is a failure of the run.
    expect(finish.errors).toHaveLength(1);
    expect(finish.errors[0]).toMatchObject({ kind: "step", step: "call", reason: "step_error" });
    expect(state.after).toBe(false);
    expect(starts(events, "after")).toHaveLength(0);
    expect(finish.metrics?.retries).toBe(2);
  });

  it("recovers when a later attempt succeeds: STEP_END closes it, successors run, the run succeeds", async () => {
    const pipe = new Pipe<{ after: number }>({ name: "retry-recover" });
    pipe.step(
      "call",
      async ({ attempt }) => {
        await Promise.resolve();
        if (attempt < 3) throw new TransientError(`attempt ${attempt} failed`);
      },
      { retries: 5, to: "after" },
    );
    pipe.step("after", ({ state }) => {
      state.after++;
    });
    const state = { after: 0 };
    const { events, finish } = await runAll(pipe.run(state));
    const callStarts = starts(events, "call");
    expect(callStarts.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(stepErrors(events, "call").map((p) => p.retrying)).toEqual([true, true]);
    expect(closeOf(events, callStarts[2]!.invocationId!).type).toBe(EventType.STEP_END);
    expect(state.after).toBe(1);
    expect(finish.status).toBe("success");
    expect(finish.errors).toEqual([]);
    expect(finish.metrics?.retries).toBe(2);
  });

  it("retries at once, without a backoff", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "retry-n-immediate", clock });
    pipe.step(
      "call",
      () => {
        throw new Error("down");
      },
      { retries: 3 },
    );
    const { events } = await drive(clock, pipe.run({}));
    expect(starts(events, "call").map((e) => e.timestamp)).toEqual([0, 0, 0, 0]);
    expect(clock.now()).toBe(0);
  });

  it("does not retry with retries: 0", async () => {
    const pipe = new Pipe({ name: "retry-zero" });
    pipe.step(
      "call",
      () => {
        throw new Error("once");
      },
      { retries: 0 },
    );
    const { events, finish } = await runAll(pipe.run({}));
    expect(starts(events, "call")).toHaveLength(1);
    expect(stepErrors(events, "call").map((p) => p.retrying)).toEqual([false]);
    expect(finish.status).toBe("failed");
  });

  it("links each retry to the previous attempt (parent) and to the first attempt's owner", async () => {
    const pipe = new Pipe({ name: "retry-lineage" });
    pipe.step(
      "call",
      ({ attempt }) => {
        if (attempt < 3) throw new Error("again");
      },
      { retries: 2 },
    );
    const { events, finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("success");
    const [first, second, third] = starts(events, "call");
    expect(first!.parentInvocationId).toBeNull();
    expect(first!.ownerInvocationId).toBe(first!.invocationId);
    expect(second!.parentInvocationId).toBe(first!.invocationId);
    expect(third!.parentInvocationId).toBe(second!.invocationId);
    expect(second!.ownerInvocationId).toBe(first!.ownerInvocationId);
    expect(third!.ownerInvocationId).toBe(first!.ownerInvocationId);
  });

  it("keeps map workers owned by the map across retries, each worker starting at attempt 1", async () => {
    const failedOnce = new Set<number>();
    const pipe = new Pipe<{ done: number[] }>({ name: "retry-map", maxRetries: 2 });
    pipe.map("fan", () => [0, 1, 2, 3], { each: "work" });
    pipe.step<number>(
      "work",
      ({ item, state }) => {
        if (!failedOnce.has(item)) {
          failedOnce.add(item);
          throw new TransientError(`item ${item} flaked`);
        }
        state.done.push(item);
      },
      { retries: 1 },
    );
    const state = { done: [] as number[] };
    const { events, finish } = await runAll(pipe.run(state));
    // Eight runs of `work` in total, but never more than two per lineage: maxRetries (2) is per lineage.
    expect(finish.status).toBe("success");
    expect([...state.done].sort()).toEqual([0, 1, 2, 3]);
    const map = starts(events, "fan")[0]!;
    const workerStarts = starts(events, "work");
    expect(workerStarts).toHaveLength(8);
    expect(workerStarts.filter((e) => e.attempt === 1)).toHaveLength(4);
    expect(workerStarts.filter((e) => e.attempt === 2)).toHaveLength(4);
    for (const retry of workerStarts.filter((e) => e.attempt === 2)) {
      expect(retry.ownerInvocationId).toBe(map.invocationId);
      const previous = workerStarts.find((e) => e.invocationId === retry.parentInvocationId);
      expect(previous?.attempt).toBe(1);
      expect(previous?.scope).toEqual(retry.scope);
    }
    expect(ofType(events, EventType.MAP_COMPLETE, "fan")).toHaveLength(1);
  });

  it("counts attempts per lineage when a loop revisits a step", async () => {
    const pipe = new Pipe<{ visits: number; attempts: number[] }>({ name: "retry-loop", maxRetries: 2 });
    pipe.step(
      "work",
      ({ state, attempt }) => {
        state.attempts.push(attempt);
        if (attempt === 1) throw new TransientError("first attempt of every visit fails");
        state.visits++;
      },
      { retries: 1, to: "decide" },
    );
    pipe.switch("decide", ({ state }) => (state.visits < 3 ? "again" : "done"), {
      to: { again: "work", done: "finish" },
    });
    pipe.step("finish", () => {});
    const state = { visits: 0, attempts: [] as number[] };
    const { events, finish } = await runAll(pipe.run(state, { start: "work" }));
    expect(finish.status).toBe("success");
    expect(state.attempts).toEqual([1, 2, 1, 2, 1, 2]);
    expect(starts(events, "work").map((e) => e.attempt)).toEqual([1, 2, 1, 2, 1, 2]);
  });

  it("retries a streaming step: tokens of the failed attempt stay inside it", async () => {
    const pipe = new Pipe({ name: "retry-stream" });
    pipe.step(
      "gen",
      async function* ({ attempt }) {
        yield `a${attempt}-1`;
        if (attempt === 1) throw new Error("stream broke");
        yield `a${attempt}-2`;
      },
      { retries: 1 },
    );
    const { events, finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("success");
    const tokens = ofType(events, EventType.TOKEN);
    expect(tokens.map((t) => [t.payload, t.attempt])).toEqual([
      ["a1-1", 1],
      ["a2-1", 2],
      ["a2-2", 2],
    ]);
  });
});

describe("retry policy object on the simulated clock", () => {
  it("waits minDelay * factor^(n-1), capped at maxDelay, before each retry (jitter off)", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "backoff", clock });
    pipe.step(
      "call",
      () => {
        throw new TransientError("down");
      },
      { retries: { attempts: 3, minDelay: 100, factor: 3, maxDelay: 500, jitter: false } },
    );
    const run = live(pipe.run({}));
    await turns();
    expect(starts(run.events, "call")).toHaveLength(1);

    await clock.advance(99);
    expect(starts(run.events, "call")).toHaveLength(1);
    await clock.advance(1);
    await turns();
    expect(starts(run.events, "call")).toHaveLength(2);

    await clock.advance(299);
    expect(starts(run.events, "call")).toHaveLength(2);
    await clock.advance(1);
    await turns();
    expect(starts(run.events, "call")).toHaveLength(3);

    // 100 * 3^2 = 900 is capped at 500.
    await clock.advance(499);
    expect(starts(run.events, "call")).toHaveLength(3);
    await clock.advance(1);
    const events = await run.done;
    assertRunInvariants(events);
    expect(starts(events, "call").map((e) => [e.attempt, e.timestamp])).toEqual([
      [1, 0],
      [2, 100],
      [3, 400],
      [4, 900],
    ]);
    expect(stepErrors(events, "call").map((p) => p.retrying)).toEqual([true, true, true, false]);
    expect(finishOf(events).status).toBe("failed");
    expect(finishOf(events).durationMs).toBe(900);
    expect(clock.pendingTimers).toBe(0);
  });

  it("defaults to minDelay 100 ms and factor 2", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "backoff-defaults", clock });
    pipe.step(
      "call",
      () => {
        throw new TransientError("down");
      },
      { retries: { attempts: 3, jitter: false } },
    );
    const { events } = await drive(clock, pipe.run({}));
    expect(starts(events, "call").map((e) => e.timestamp)).toEqual([0, 100, 300, 700]);
  });

  it("applies the retry delay to an async failure from the moment it failed", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "backoff-async", clock });
    pipe.step(
      "call",
      async ({ attempt, signal }) => {
        await sleepOn(clock, 30, signal);
        if (attempt === 1) throw new TransientError("down");
      },
      { retries: { attempts: 1, minDelay: 200, jitter: false } },
    );
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(starts(events, "call").map((e) => e.timestamp)).toEqual([0, 230]);
    expect(finish.durationMs).toBe(260);
  });

  it("removes up to half of each backoff delay by default (jitter 0.5)", async () => {
    // Math.random() = 0.5 removes a quarter (0.5 × 0.5): 1,000 → 750 ms, then 2,000 → 1,500 ms.
    const random = vi.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const clock = new SimulatedClock();
      const pipe = new Pipe({ name: "jitter", clock });
      pipe.step(
        "call",
        () => {
          throw new TransientError("down");
        },
        { retries: { attempts: 2, minDelay: 1_000, factor: 2 } },
      );
      const { events } = await drive(clock, pipe.run({}));
      expect(starts(events, "call").map((e) => e.timestamp)).toEqual([0, 750, 2_250]);
    } finally {
      random.mockRestore();
    }
  });

  it("takes a numeric jitter as the largest fraction removed from each delay", async () => {
    // jitter 0.2 with Math.random() = 0.5 removes 10%: 1,000 → 900 ms.
    const random = vi.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const clock = new SimulatedClock();
      const pipe = new Pipe({ name: "jitter-fraction", clock });
      pipe.step(
        "call",
        () => {
          throw new TransientError("down");
        },
        { retries: { attempts: 1, minDelay: 1_000, jitter: 0.2 } },
      );
      const { events } = await drive(clock, pipe.run({}));
      expect(starts(events, "call").map((e) => e.timestamp)).toEqual([0, 900]);
    } finally {
      random.mockRestore();
    }
  });

  it("does not retry when retryOn returns false", async () => {
    const clock = new SimulatedClock();
    const asked: unknown[] = [];
    const fatal = new Error("fatal");
    const pipe = new Pipe({ name: "retry-on-false", clock });
    pipe.step(
      "call",
      () => {
        throw fatal;
      },
      {
        retries: {
          attempts: 5,
          minDelay: 10,
          jitter: false,
          retryOn: (error) => {
            asked.push(error);
            return error instanceof TransientError;
          },
        },
      },
    );
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(asked).toEqual([fatal]);
    expect(starts(events, "call")).toHaveLength(1);
    expect(stepErrors(events, "call")).toEqual([{ message: "fatal", error: fatal, retrying: false }]);
    expect(finish.status).toBe("failed");
    expect(finish.metrics?.retries).toBe(0);
  });

  it("retries only the errors retryOn accepts", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "retry-on-mixed", clock });
    pipe.step(
      "call",
      ({ attempt }) => {
        throw attempt < 3 ? new TransientError(`flaky ${attempt}`) : new Error("fatal");
      },
      { retries: { attempts: 10, minDelay: 10, jitter: false, retryOn: (e) => e instanceof TransientError } },
    );
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(starts(events, "call").map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(stepErrors(events, "call").map((p) => [p.message, p.retrying])).toEqual([
      ["flaky 1", true],
      ["flaky 2", true],
      ["fatal", false],
    ]);
    expect(finish.error).toBe("fatal");
  });

  it("treats a retryOn that throws as 'do not retry' and fails with the step's own error", async () => {
    const pipe = new Pipe({ name: "retry-on-throws" });
    pipe.step(
      "call",
      () => {
        throw new Error("original");
      },
      {
        retries: {
          attempts: 3,
          retryOn: () => {
            throw new Error("predicate broke");
          },
        },
      },
    );
    const { events, finish } = await runAll(pipe.run({}));
    expect(starts(events, "call")).toHaveLength(1);
    expect(finish.status).toBe("failed");
    expect(finish.error).toBe("original");
  });

  it("ends the run promptly, cancelled, when the signal aborts during a backoff", async () => {
    const clock = new SimulatedClock();
    let shutdowns = 0;
    const pipe = new Pipe({ name: "backoff-cancel", clock });
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step(
      "call",
      () => {
        throw new TransientError("down");
      },
      { retries: { attempts: 3, minDelay: 60_000, jitter: false } },
    );
    // Cancelled 50 ms into a 60 s backoff, with no clock movement after: the backoff must not hold the run.
    const events = await cancelMidRun(pipe, {}, () => clock.advance(50));
    expect(stepErrors(events, "call").map((p) => p.retrying)).toEqual([true]);
    expect(finishOf(events).durationMs).toBe(50);
    expect(starts(events, "call")).toHaveLength(1);
    expect(ofType(events, EventType.CANCELLED, "system")).toHaveLength(1);
    expect(shutdowns).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it("ends the run at its timeout when it falls inside a backoff", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "backoff-timeout", clock });
    pipe.step(
      "call",
      () => {
        throw new TransientError("down");
      },
      { retries: { attempts: 3, minDelay: 60_000, jitter: false } },
    );
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 500 }));
    expect(finish.status).toBe("timeout");
    expect(finish.durationMs).toBe(500);
    expect(starts(events, "call")).toHaveLength(1);
    expect(ofType(events, EventType.TIMEOUT)).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("maxRetries bounds one lineage", () => {
  it("runs a step whose onError always returns Retry exactly maxRetries times, then fails with RetryLimitError", async () => {
    const original = new Error("still broken");
    const handled: number[] = [];
    const pipe = new Pipe({ name: "max-retries", maxRetries: 3 });
    pipe.step(
      "call",
      () => {
        throw original;
      },
      {
        onError: ({ attempt }) => {
          handled.push(attempt);
          return new Retry();
        },
      },
    );
    const { events, finish } = await runAll(pipe.run({}));
    expect(starts(events, "call").map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(handled).toEqual([1, 2, 3]);
    const payloads = stepErrors(events, "call");
    expect(payloads.map((p) => p.retrying)).toEqual([true, true, false]);
    const last = payloads.at(-1)!;
    expect(last.error).toBeInstanceOf(RetryLimitError);
    expect((last.error as RetryLimitError).code).toBe("RETRY_LIMIT");
    expect((last.error as Error).cause).toBe(original);
    expect(last.message).toContain("call");
    expect(finish.status).toBe("failed");
    expect(finish.failedStep).toBe("call");
    expect(finish.error).toBe(last.message);
  });

  it("bounds a step that returns Retry itself", async () => {
    let runs = 0;
    const pipe = new Pipe({ name: "max-retries-step", maxRetries: 4 });
    pipe.step("poll", () => {
      runs++;
      return new Retry();
    });
    const { events, finish } = await runAll(pipe.run({}));
    expect(runs).toBe(4);
    expect(starts(events, "poll").map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(finish.status).toBe("failed");
    expect(stepErrors(events, "poll").at(-1)?.error).toBeInstanceOf(RetryLimitError);
  });

  it("defaults to 100 runs per lineage", async () => {
    let runs = 0;
    const pipe = new Pipe({ name: "max-retries-default" });
    pipe.step("poll", () => {
      runs++;
      return new Retry();
    });
    const { finish } = await runAll(pipe.run({}));
    expect(runs).toBe(100);
    expect(finish.status).toBe("failed");
  });

  it("also bounds automatic retries", async () => {
    let runs = 0;
    const pipe = new Pipe({ name: "max-retries-auto", maxRetries: 3 });
    pipe.step(
      "call",
      () => {
        runs++;
        throw new Error("down");
      },
      { retries: 10 },
    );
    const { events, finish } = await runAll(pipe.run({}));
    expect(runs).toBe(3);
    expect(stepErrors(events, "call").map((p) => p.retrying)).toEqual([true, true, false]);
    expect(finish.status).toBe("failed");
  });

  it("does not let Retry of one lineage count against another invocation of the same step", async () => {
    const pipe = new Pipe<{ laps: number }>({ name: "max-retries-per-lineage", maxRetries: 2 });
    pipe.step(
      "work",
      ({ attempt }) => {
        if (attempt === 1) throw new TransientError("first try fails");
      },
      { onError: () => new Retry(), to: "loop" },
    );
    pipe.switch(
      "loop",
      ({ state }) => {
        state.laps++;
        return state.laps < 4 ? "again" : "stop";
      },
      { to: { again: "work", stop: "end" } },
    );
    pipe.step("end", () => {});
    const { events, finish } = await runAll(pipe.run({ laps: 0 }, { start: "work" }));
    expect(finish.status).toBe("success");
    expect(starts(events, "work").map((e) => e.attempt)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });
});

describe("retries of composite steps", () => {
  it("retries a sub-pipeline step whose child run failed", async () => {
    let childRuns = 0;
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.step("inner", () => {
      childRuns++;
      if (childRuns === 1) throw new TransientError("flaky child");
    });
    const pipe = new Pipe({ name: "retry-sub" });
    pipe.sub("nested", () => ({ n: 1 }), { pipeline: child, retries: 1 });
    const { events, finish } = await runAll(pipe.run({}));
    expect(childRuns).toBe(2);
    expect(starts(events, "nested").map((e) => e.attempt)).toEqual([1, 2]);
    expect(stepErrors(events, "nested").map((p) => p.retrying)).toEqual([true]);
    expect(finish.status).toBe("success");
  });
});

describe("retries while the run winds down", () => {
  it("does not fail the run for a retriable error of a step still running after Stop", async () => {
    for (const mode of ["automatic", "handler"] as const) {
      const pipe = new Pipe({ name: `retry-after-stop-${mode}` });
      pipe.step("root", () => {}, { to: ["a", "b"] });
      pipe.step("a", async () => {
        await Promise.resolve();
        return Stop;
      });
      pipe.step(
        "b",
        async ({ attempt }) => {
          await turns(1);
          if (attempt === 1) throw new TransientError("transient");
        },
        mode === "automatic" ? { retries: 2 } : { onError: () => new Retry() },
      );
      const { events, finish } = await runAll(pipe.run({}));
      // Nothing new starts after Stop: the retry does not run, and the transient error is not a failure.
      expect(starts(events, "b").map((e) => e.attempt)).toEqual([1]);
      expect(finish.status).toBe("success");
      expect(finish.errors).toEqual([]);
    }
  });

  it("ends at Stop without waiting out a pending backoff, and leaves no backoff timer behind", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "backoff-then-stop", clock });
    pipe.step("root", () => {}, { to: ["stopper", "flaky"] });
    pipe.step("stopper", async ({ signal }) => {
      await sleepOn(clock, 10, signal);
      return Stop;
    });
    pipe.step(
      "flaky",
      async ({ signal }) => {
        await sleepOn(clock, 5, signal);
        throw new TransientError("down");
      },
      { retries: { attempts: 3, minDelay: 60_000, jitter: false } },
    );
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(finish.durationMs).toBe(10);
    expect(starts(events, "flaky")).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });
});
