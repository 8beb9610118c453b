import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { EventType, Pipe, SimulatedClock } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";
import {
  cancelMidRun,
  closeOf,
  drive,
  expectNothingStartsAfter,
  firstIterationError,
  live,
  never,
  ofType,
  settlesWithoutTime,
  sleepOn,
  turns,
} from "./support.js";

describe("cancellation with run(state, { signal })", () => {
  it("emits CANCELLED, closes and aborts in-flight steps, runs shutdown, FINISH cancelled, promptly", async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const signals = new Map<string, AbortSignal>();
    let shutdowns = 0;
    let afterRan = false;
    const pipe = new Pipe({ name: "cancel", clock });
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step("root", () => {}, { to: ["honours", "deaf"] });
    pipe.step(
      "honours",
      ({ signal }) => {
        signals.set("honours", signal);
        return sleepOn(clock, 10_000, signal);
      },
      { to: "after" },
    );
    pipe.step(
      "deaf",
      ({ signal }) => {
        signals.set("deaf", signal);
        return never();
      },
      { to: "after" },
    );
    pipe.step("after", () => {
      afterRan = true;
    });
    const run = live(pipe.run({}, { signal: controller.signal }));
    await clock.advance(40);
    expect(ofType(run.events, EventType.STEP_START).map((e) => e.stage)).toEqual(["root", "honours", "deaf"]);
    controller.abort(new Error("user pressed stop"));

    // Without moving the clock: a step that ignores its signal must not hold the run.
    const events = await settlesWithoutTime(run.done);
    expect(events).not.toBe("hang");
    if (events === "hang") return;
    assertRunInvariants(events);
    const cancelled = ofType(events, EventType.CANCELLED, "system");
    expect(cancelled).toHaveLength(1);
    expect(cancelled[0]!.payload.reason).toContain("user pressed stop");
    const at = events.indexOf(cancelled[0]!);
    expectNothingStartsAfter(events, at);
    for (const stage of ["honours", "deaf"]) {
      const start = ofType(events, EventType.STEP_START, stage)[0]!;
      const close = closeOf(events, start.invocationId!);
      expect(close.type).toBe(EventType.CANCELLED);
      expect(events.indexOf(close)).toBeGreaterThan(at);
      expect(signals.get(stage)?.aborted).toBe(true);
    }
    expect(afterRan).toBe(false);
    expect(shutdowns).toBe(1);
    const finish = finishOf(events);
    expect(finish.status).toBe("cancelled");
    expect(finish.reason).toBe("cancelled");
    expect(finish.failureKind).toBe("none");
    expect(finish.failureSource).toBe("none");
    expect(finish.error).toBeUndefined();
    expect(finish.errors).toEqual([]);
    expect(finish.durationMs).toBe(40);
  });

  it("cancels at once with an already-aborted signal: no step starts, shutdown still runs", async () => {
    let ran = false;
    let shutdowns = 0;
    const pipe = new Pipe({ name: "pre-aborted" });
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step("work", () => {
      ran = true;
    });
    const events = await collect(pipe.run({}, { signal: AbortSignal.abort(new Error("too late")) }));
    assertRunInvariants(events);
    expect(ran).toBe(false);
    expect(ofType(events, EventType.STEP_START)).toHaveLength(0);
    expect(ofType(events, EventType.CANCELLED, "system")).toHaveLength(1);
    expect(finishOf(events).status).toBe("cancelled");
    expect(shutdowns).toBe(1);
  });

  it("works with AbortSignal.timeout()", async () => {
    let shutdowns = 0;
    const pipe = new Pipe({ name: "abort-signal-timeout" });
    pipe.onShutdown(() => {
      shutdowns++;
    });
    pipe.step("deaf", () => never());
    const events = await collect(pipe.run({}, { signal: AbortSignal.timeout(20) }));
    assertRunInvariants(events);
    expect(finishOf(events).status).toBe("cancelled");
    expect(ofType(events, EventType.CANCELLED, "deaf")).toHaveLength(1);
    expect(shutdowns).toBe(1);
  });

  it("cancels a run stuck in a startup hook that ignores its signal", async () => {
    const pipe = new Pipe({ name: "cancel-startup" });
    pipe.onStartup(() => never());
    pipe.step("work", () => {});
    const events = await cancelMidRun(pipe, {}, () => turns());
    expect(ofType(events, EventType.STEP_START)).toHaveLength(0);
  });

  it("cancels while an error handler is still deciding", async () => {
    const pipe = new Pipe({ name: "cancel-handler" });
    pipe.step(
      "call",
      () => {
        throw new Error("boom");
      },
      { onError: () => never().then(() => undefined) },
    );
    const events = await cancelMidRun(pipe, {}, () => turns());
    expect(ofType(events, EventType.CANCELLED, "call")).toHaveLength(1);
  });

  it("cancels a sub-pipeline's child run with the parent", async () => {
    const clock = new SimulatedClock();
    let childShutdowns = 0;
    const child = new Pipe<{ n: number }>({ name: "child" });
    child.onShutdown(() => {
      childShutdowns++;
    });
    child.step("inner", () => never());
    const pipe = new Pipe({ name: "cancel-sub", clock });
    pipe.sub("nested", () => ({ n: 1 }), { pipeline: child });
    const events = await cancelMidRun(pipe, {}, () => clock.advance(5));
    expect(childShutdowns).toBe(1);
    const owner = ofType(events, EventType.STEP_START, "nested")[0]!;
    expect(closeOf(events, owner.invocationId!).type).toBe(EventType.CANCELLED);
  });

  it("ignores an abort after the run finished", async () => {
    const controller = new AbortController();
    const pipe = new Pipe({ name: "abort-after" });
    pipe.step("work", () => {});
    const events = await collect(pipe.run({}, { signal: controller.signal }));
    controller.abort();
    await turns();
    assertRunInvariants(events);
    expect(finishOf(events).status).toBe("success");
    expect(ofType(events, EventType.CANCELLED)).toHaveLength(0);
  });

  it("cancels when a step aborts the run's controller itself", async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const pipe = new Pipe({ name: "abort-from-step", clock });
    pipe.step("root", () => {}, { to: ["quitter", "worker"] });
    pipe.step("quitter", async () => {
      await sleepOn(clock, 5);
      controller.abort();
    });
    pipe.step("worker", ({ signal }) => sleepOn(clock, 1_000, signal), { to: "after" });
    pipe.step("after", () => {});
    const { events, finish } = await drive(clock, pipe.run({}, { signal: controller.signal }));
    expect(finish.status).toBe("cancelled");
    expect(finish.durationMs).toBe(5);
    expect(ofType(events, EventType.STEP_START, "after")).toHaveLength(0);
  });

  it("cancels a map whose worker is waiting out a retry backoff", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "cancel-map-backoff", clock });
    pipe.map("fan", () => [1, 2], { each: "work", to: "after" });
    pipe.step<number>(
      "work",
      ({ item, signal }) => {
        if (item === 1) throw new Error("flaky");
        return sleepOn(clock, 10_000, signal);
      },
      { retries: { attempts: 2, minDelay: 5_000, jitter: false } },
    );
    pipe.step("after", () => {});
    const events = await cancelMidRun(pipe, {}, () => clock.advance(100));
    const owner = ofType(events, EventType.STEP_START, "fan")[0]!;
    expect(closeOf(events, owner.invocationId!).type).toBe(EventType.CANCELLED);
    expect(ofType(events, EventType.STEP_START, "after")).toHaveLength(0);
    expect(ofType(events, EventType.STEP_START, "work")).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it("leaves no abort listener on a long-lived signal after its runs end", async () => {
    const clock = new SimulatedClock();
    const appShutdown = new AbortController();
    const pipe = new Pipe({ name: "listeners", clock });
    pipe.step("work", ({ signal }) => sleepOn(clock, 10, signal), { timeout: 100 });
    for (let i = 0; i < 3; i++) await drive(clock, pipe.run({}, { signal: appShutdown.signal }));
    expect(getEventListeners(appShutdown.signal, "abort")).toHaveLength(0);
  });

  it("rejects a signal that is not an AbortSignal on the first iteration, without an unhandled rejection", async () => {
    const pipe = new Pipe({ name: "bad-signal" });
    pipe.step("work", () => {});
    const { outcome, rejections } = await firstIterationError(
      pipe.run({}, { signal: { aborted: false } as unknown as AbortSignal }),
    );
    expect(rejections).toEqual([]);
    expect(outcome).toBeInstanceOf(TypeError);
    expect((outcome as Error).message).toMatch(
      /^run\(\): expected `signal` to be an AbortSignal \(from an AbortController or AbortSignal\.timeout\(\)\), got `\{"aborted":false\}` \(object\)\.$/,
    );
  });

  describe("a generator step cut short finishes its finally blocks before shutdown hooks", () => {
    function streamingPipe(clock: SimulatedClock, log: string[], honour = true) {
      const pipe = new Pipe({ name: "cleanup", clock });
      pipe.step("gen", async function* ({ signal }) {
        try {
          yield "first";
          // Inside an await (not at a yield) when the run is cut short.
          await (honour ? sleepOn(clock, 10_000, signal) : never());
          yield "never reached";
        } finally {
          // Cleanup that itself awaits (releasing a connection, flushing a log).
          await Promise.resolve();
          log.push("generator finally");
        }
      });
      pipe.onShutdown(() => {
        log.push("shutdown hook");
      });
      return pipe;
    }

    it("when the consumer leaves the loop", async () => {
      const clock = new SimulatedClock();
      const log: string[] = [];
      for await (const event of streamingPipe(clock, log).run({})) {
        if (event.type === EventType.TOKEN) break;
      }
      expect(log).toEqual(["generator finally", "shutdown hook"]);
    });

    it("when the run times out", async () => {
      const clock = new SimulatedClock();
      const log: string[] = [];
      const { finish } = await drive(clock, streamingPipe(clock, log).run({}, { timeout: 50 }));
      expect(finish.status).toBe("timeout");
      expect(log).toEqual(["generator finally", "shutdown hook"]);
    });

    it("but one that ignores its signal cannot hold the run open", async () => {
      const clock = new SimulatedClock();
      const log: string[] = [];
      const controller = new AbortController();
      const run = live(streamingPipe(clock, log, false).run({}, { signal: controller.signal }));
      await turns();
      controller.abort();
      const events = await settlesWithoutTime(run.done);
      expect(events).not.toBe("hang");
      if (events === "hang") return;
      expect(finishOf(events).status).toBe("cancelled");
      expect(log).toEqual(["shutdown hook"]);
    });
  });
});
