import { describe, expect, it } from "vitest";
import {
  BarrierTimeoutError,
  EventType,
  Pipe,
  type PipeEvent,
  type PipelineEndData,
  SimulatedClock,
} from "../../src/index.js";
import { collect } from "../helpers.js";
import { drive, ofType, sleepOn, turns } from "../resilience/support.js";

/** Issue 13, item 4: events come in the right order and tell the truth. */

const CLOSES = new Set<string>([EventType.STEP_END, EventType.STEP_ERROR, EventType.CANCELLED]);

function mapOfSubs(clock: SimulatedClock) {
  const child = new Pipe({ name: "child", clock });
  child.step("work", ({ signal }) => sleepOn(clock, 100, signal));
  const pipe = new Pipe({ name: "parent", clock });
  pipe.map("fan", () => [1, 2, 3], { each: "worker" });
  pipe.sub("worker", () => ({}), { pipeline: child });
  return pipe;
}

function expectOwnerClosedLast(events: readonly PipeEvent<unknown>[]): void {
  const ownerClose = events.findIndex((e) => e.stage === "fan" && CLOSES.has(e.type));
  expect(ownerClose).toBeGreaterThan(0);
  const ownerId = events[ownerClose]!.invocationId;
  const workerCloses = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.ownerInvocationId === ownerId && e.stage === "worker" && CLOSES.has(e.type));
  expect(workerCloses).toHaveLength(3);
  for (const { i } of workerCloses) expect(i).toBeLessThan(ownerClose);
}

function reasons(events: readonly PipeEvent<unknown>[]): string[] {
  return events
    .filter((e) => e.type === EventType.CANCELLED || e.type === EventType.TIMEOUT)
    .map((e) => String((e.payload as { reason?: unknown }).reason));
}

describe("a map whose workers are sub-pipelines", () => {
  it("closes its owner after its workers when the run is cancelled", async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort(new Error("user left")), 50);
    const { events, finish } = await drive(clock, mapOfSubs(clock).run({}, { signal: controller.signal }));
    expect(finish.status).toBe("cancelled");
    expectOwnerClosedLast(events);
  });

  it("closes its owner after its workers when the run times out", async () => {
    const clock = new SimulatedClock();
    const { events, finish } = await drive(clock, mapOfSubs(clock).run({}, { timeout: 50 }));
    expect(finish.status).toBe("timeout");
    expectOwnerClosedLast(events);
  });

  it("says why a child run was cancelled once, not 'Run cancelled: Run cancelled: ...'", async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort(new Error("user left")), 50);
    const { events } = await drive(clock, mapOfSubs(clock).run({}, { signal: controller.signal }));
    const all = reasons(events);
    expect(all.length).toBeGreaterThan(0);
    for (const reason of all) expect(reason).not.toMatch(/Run cancelled: Run cancelled/);
  });
});

describe("observers of a run the consumer leaves after it ended", () => {
  it("are told the run's real status, not client_closed", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "left-late", clock });
    const told: string[] = [];
    pipe.addObserver({
      onPipelineEnd: (end: PipelineEndData) => void told.push(`end:${end.status}`),
      onPipelineError: (_error: unknown, end: PipelineEndData) => void told.push(`error:${end.status}`),
    });
    pipe.step("a", () => {
      throw new Error("boom");
    });
    pipe.onShutdown(() => sleepOn(clock, 10));
    const stream = pipe.run({});
    for (;;) {
      const { value } = await stream.next();
      if (value?.type === EventType.STEP_ERROR) break;
    }
    // The steps are over (the run failed); only the shutdown hook is still running.
    const closing = stream.return(undefined);
    await turns(2);
    await clock.advance(10);
    await closing;
    expect(told).toEqual(["error:failed"]);
  });
});

describe("truth of step events", () => {
  it("closes an attempt that threw undefined with STEP_ERROR before retrying", async () => {
    const pipe = new Pipe({ name: "throws-undefined" });
    let calls = 0;
    pipe.step(
      "a",
      () => {
        if (calls++ === 0) throw undefined;
      },
      { retries: 1 },
    );
    const events = await collect(pipe.run({}));
    expect(events.filter((e) => e.stage === "a").map((e) => e.type)).toEqual([
      EventType.STEP_START,
      EventType.STEP_ERROR,
      EventType.STEP_START,
      EventType.STEP_END,
    ]);
    const [error] = ofType(events, EventType.STEP_ERROR, "a");
    expect(error!.payload.retrying).toBe(true);
  });

  it("reports a join whose barrier timed out with STEP_ERROR and no STEP_START", async () => {
    const clock = new SimulatedClock();
    let joinCalls = 0;
    const pipe = new Pipe({ name: "barrier", clock });
    pipe.step("root", () => {}, { to: ["fast", "slow"] });
    pipe.step("fast", ({ signal }) => sleepOn(clock, 10, signal), { to: "join" });
    pipe.step("slow", ({ signal }) => sleepOn(clock, 500, signal), { to: "join" });
    pipe.step("join", () => void joinCalls++, { barrierTimeout: 100 });
    const { events, finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(joinCalls).toBe(0);
    expect(ofType(events, EventType.STEP_START, "join")).toEqual([]);
    const errors = ofType(events, EventType.STEP_ERROR, "join");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.payload.error).toBeInstanceOf(BarrierTimeoutError);
  });

  it("gives no events to a fan-out sibling cancelled before its handler ran", async () => {
    const called: string[] = [];
    const pipe = new Pipe({ name: "siblings" });
    pipe.step("root", () => {}, { to: ["a", "b", "c"] });
    pipe.step("a", () => {
      called.push("a");
      throw new Error("a failed at once");
    });
    pipe.step("b", () => void called.push("b"));
    pipe.step("c", () => void called.push("c"));
    const events = await collect(pipe.run({}));
    const starts = ofType(events, EventType.STEP_START).map((e) => e.stage);
    for (const sibling of ["b", "c"]) {
      expect(starts.includes(sibling)).toBe(called.includes(sibling));
      if (!called.includes(sibling)) expect(events.filter((e) => e.stage === sibling)).toEqual([]);
    }
  });
});
