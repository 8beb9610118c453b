import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent, Retry, SimulatedClock, Suspend } from "../../src/index.js";
import { drive, never, ofType, runAll, sleepOn } from "./support.js";

function countByType(events: readonly PipeEvent<unknown>[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) if (e.type !== EventType.FINISH) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

function closes(events: readonly PipeEvent<unknown>[]): number {
  return events.filter(
    (e) =>
      e.invocationId !== null &&
      (e.type === EventType.STEP_END || e.type === EventType.STEP_ERROR || e.type === EventType.CANCELLED),
  ).length;
}

describe("metrics on FINISH", () => {
  it("counts tasks, latency, barriers, maps, events, tokens and retries of a run", async () => {
    const clock = new SimulatedClock();
    const flaked = new Set<number>();
    const pipe = new Pipe({ name: "metrics", clock });
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", ({ signal }) => sleepOn(clock, 30, signal), { to: "join" });
    pipe.step(
      "b",
      async function* ({ signal }) {
        yield "t1";
        yield "t2";
        yield "t3";
        await sleepOn(clock, 50, signal);
      },
      { to: "join" },
    );
    pipe.step("join", () => {}, { to: "fan" });
    pipe.map("fan", () => [1, 2, 3, 4, 5], { each: "work", maxConcurrency: 2, to: "done" });
    pipe.step<number>(
      "work",
      async ({ item, signal }) => {
        await sleepOn(clock, 10 * item, signal);
        if (item === 3 && !flaked.has(item)) {
          flaked.add(item);
          throw new Error("flaky");
        }
      },
      { retries: 1 },
    );
    pipe.step("done", () => {});
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    const m = finish.metrics!;
    expect(m).toBeDefined();

    const starts = ofType(events, EventType.STEP_START).length;
    expect(m.tasks.started).toBe(starts);
    expect(m.tasks.completed).toBe(closes(events));
    expect(m.tasks.completed).toBe(m.tasks.started);
    // The map owner and two workers run at once.
    expect(m.tasks.peakActive).toBe(3);

    expect(m.stepLatency.a).toEqual({ count: 1, totalMs: 30, minMs: 30, maxMs: 30, p50Ms: 30, p95Ms: 30 });
    expect(m.stepLatency.b).toEqual({ count: 1, totalMs: 50, minMs: 50, maxMs: 50, p50Ms: 50, p95Ms: 50 });
    // Successful invocations only: the failed attempt of item 3 is not a latency sample.
    // Five workers of 10, 20, 30, 40 and 50 ms: the median is 30, the 95th percentile 48.
    expect(m.stepLatency.work).toEqual({
      count: 5,
      totalMs: 150,
      minMs: 10,
      maxMs: 50,
      p50Ms: 30,
      p95Ms: 48,
    });
    expect(m.stepLatency.root).toEqual({ count: 1, totalMs: 0, minMs: 0, maxMs: 0, p50Ms: 0, p95Ms: 0 });

    expect(m.barriers.join).toEqual({ waits: 1, releases: 1, timeouts: 0, totalWaitMs: 20, maxWaitMs: 20 });
    expect(m.maps).toEqual({ mapsStarted: 1, mapsCompleted: 1, workersStarted: 5, peakWorkers: 2 });
    expect(m.events).toEqual(countByType(events));
    // Types in EventType order; steps in the order they first ended.
    expect(Object.keys(m.events)).toEqual(Object.values(EventType).filter((type) => type in m.events));
    expect(Object.keys(m.stepLatency)).toEqual([
      ...new Set(ofType(events, EventType.STEP_END).map((event) => event.stage)),
    ]);
    expect(m.events.finish).toBeUndefined();
    expect(m.tokens).toBe(3);
    expect(m.retries).toBe(1);
    expect(m.suspends).toBe(0);
    expect(m.queue.maxDepth).toBeGreaterThanOrEqual(1);
    expect(m.queue.maxDepth).toBeLessThanOrEqual(events.length);
  });

  it("sees the queue fill when the consumer is slower than the run", async () => {
    const pipe = new Pipe({ name: "metrics-queue", queueSize: 0 });
    pipe.step("a", () => {}, { to: "b" });
    pipe.step("b", () => {}, { to: "c" });
    pipe.step("c", () => {});
    const { events, finish } = await runAll(pipe.run({}));
    // The synchronous chain emits its events in one go, before the consumer takes any.
    expect(finish.metrics!.queue.maxDepth).toBeGreaterThanOrEqual(3);
    expect(finish.metrics!.queue.maxDepth).toBeLessThanOrEqual(events.length);
  });

  it("counts suspends", async () => {
    const pipe = new Pipe({ name: "metrics-suspend" });
    pipe.step("wait", () => new Suspend({ reason: "approval" }));
    const { finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("suspended");
    expect(finish.metrics!.suspends).toBe(1);
    expect(finish.metrics!.events.suspend).toBe(1);
  });

  it("counts the shutdown STEP_ERROR and the TIMEOUT/CANCELLED events of a timed-out run", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "metrics-timeout", clock });
    pipe.onShutdown(() => {
      throw new Error("close failed");
    });
    pipe.step("deaf", () => never());
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 100 }));
    expect(finish.status).toBe("timeout");
    const m = finish.metrics!;
    expect(m.events).toEqual(countByType(events));
    // Types in EventType order; steps in the order they first ended.
    expect(Object.keys(m.events)).toEqual(Object.values(EventType).filter((type) => type in m.events));
    expect(Object.keys(m.stepLatency)).toEqual([
      ...new Set(ofType(events, EventType.STEP_END).map((event) => event.stage)),
    ]);
    expect(m.events.timeout).toBe(1);
    expect(m.events.cancelled).toBe(1);
    expect(m.events.step_error).toBe(1);
    expect(m.tasks).toEqual({ started: 1, completed: 1, peakActive: 1 });
    // A cancelled invocation is not a latency sample.
    expect(m.stepLatency.deaf).toBeUndefined();
  });

  it("counts retries requested by error handlers like automatic ones", async () => {
    const pipe = new Pipe({ name: "metrics-handler-retries" });
    pipe.step(
      "flaky",
      ({ attempt }) => {
        if (attempt < 3) throw new Error("again");
      },
      { onError: () => new Retry() },
    );
    const { finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("success");
    expect(finish.metrics!.retries).toBe(2);
    expect(finish.metrics!.stepLatency.flaky?.count).toBe(1);
  });
});
