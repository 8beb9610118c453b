import { describe, expect, it } from "vitest";
import { Pipe, type PipeEvent, SimulatedClock, type StepArgs } from "../../src/index.js";
import { buildTimeline } from "../../src/inspect/index.js";
import { EventScript } from "./support.js";

describe("buildTimeline", () => {
  it("gives each invocation its start, end, status and attempt, relative to the first event", () => {
    const script = new EventScript()
      .push({ type: "start", stage: "system", nodeKind: "system", timestamp: 1000 })
      .start(1000, "fetch")
      .end(1020, "fetch")
      .start(1020, "parse")
      .error(1030, "parse", "bad json", true)
      .start(1030, "parse", { attempt: 2 })
      .end(1045, "parse")
      .finish(1050, "success");
    const timeline = buildTimeline(script.events);
    expect(timeline.runId).toBe("run1");
    expect(timeline.startedAt).toBe(1000);
    expect(timeline.status).toBe("success");
    expect(timeline.durationMs).toBe(50);
    expect(timeline.invocations.map((i) => [i.step, i.start, i.end, i.status, i.attempt])).toEqual([
      ["fetch", 0, 20, "success", 1],
      ["parse", 20, 30, "retried", 1],
      ["parse", 30, 45, "success", 2],
    ]);
    expect(timeline.retries.map((i) => i.error)).toEqual(["bad json"]);
    expect(timeline.lanes.map((l) => [l.key, l.counts.total, l.counts.retried, l.start, l.end])).toEqual([
      ["fetch", 1, 0, 0, 20],
      ["parse", 2, 1, 20, 45],
    ]);
  });

  it("records final failures, cancellations, suspends and invocations still running", () => {
    const script = new EventScript()
      .start(0, "a")
      .start(0, "b")
      .start(0, "c")
      .error(5, "a", "boom")
      .cancel(6, "b", "The run failed")
      .push({ type: "suspend", stage: "c", timestamp: 7, payload: { reason: "approval", step: "c" } });
    const timeline = buildTimeline(script.events);
    expect(timeline.status).toBeUndefined();
    expect(timeline.end).toBe(7);
    expect(timeline.failures).toEqual([{ stage: "a", invocationId: "run1:1", error: "boom", at: 5 }]);
    expect(timeline.invocations.map((i) => [i.step, i.status, i.error])).toEqual([
      ["a", "failed", "boom"],
      ["b", "cancelled", "The run failed"],
      ["c", "running", undefined],
    ]);
    expect(timeline.lanes.find((l) => l.key === "c")?.end).toBeUndefined();
    expect(timeline.suspends).toEqual([{ step: "c", reason: "approval", at: 7 }]);
  });

  it("folds map workers into one lane per worker step, with their index and counts", () => {
    const script = new EventScript().start(0, "fan", { nodeKind: "map" });
    for (let i = 0; i < 3; i++) {
      script.push({
        type: "map_worker",
        stage: "fan",
        timestamp: 1,
        payload: { index: i, target: "work", owner: "fan" },
      });
      script.start(1, "work", { key: `w${i}`, scope: [`work[${i}]`], ownerInvocationId: "run1:1" });
    }
    script.end(4, "work", "w0").error(5, "work", "nope", false, "w1").end(6, "work", "w2").end(6, "fan");
    const timeline = buildTimeline(script.events);
    const work = timeline.lanes.find((l) => l.key === "work")!;
    expect(work.mapWorkers).toBe(true);
    expect(work.counts).toEqual({ total: 3, success: 2, failed: 1, retried: 0, cancelled: 0, running: 0 });
    expect(work.invocations.map((i) => i.mapIndex)).toEqual([0, 1, 2]);
    expect(work.invocations.every((i) => i.ownerId === "run1:1")).toBe(true);
  });

  it("nests a sub-pipeline's steps under the sub step's lane, by scope and stage", () => {
    const script = new EventScript()
      .start(0, "prep")
      .end(1, "prep")
      .start(1, "child", { nodeKind: "sub" })
      .start(2, "child:inner", { parentRunId: "run1", originRunId: "kid", scope: ["child"] })
      .end(4, "child:inner")
      .start(4, "child:deeper", {
        nodeKind: "sub",
        parentRunId: "run1",
        originRunId: "kid",
        scope: ["child"],
      })
      .start(5, "child:deeper:leaf", { parentRunId: "run1", originRunId: "kid2", scope: ["child", "deeper"] })
      .end(6, "child:deeper:leaf")
      .end(7, "child:deeper")
      .push({
        type: "finish",
        stage: "child:system",
        timestamp: 8,
        parentRunId: "run1",
        originRunId: "kid",
        payload: { status: "success", durationMs: 6 },
      })
      .end(8, "child")
      .start(8, "after")
      .end(9, "after")
      .finish(9, "success");
    const timeline = buildTimeline(script.events);
    expect(timeline.lanes.map((l) => [l.key, l.depth, l.parent])).toEqual([
      ["prep", 0, undefined],
      ["child", 0, undefined],
      ["child:inner", 1, "child"],
      ["child:deeper", 1, "child"],
      ["child:deeper:leaf", 2, "child:deeper"],
      ["after", 0, undefined],
    ]);
    expect(timeline.subRuns).toEqual([{ lane: "child", runId: "kid", status: "success", durationMs: 6 }]);
    expect(timeline.status).toBe("success");
  });

  it("pairs barrier waits with their release, and counts tokens and first-token latency", () => {
    const script = new EventScript()
      .start(0, "left")
      .start(0, "right")
      .push({ type: "token", stage: "right", timestamp: 3, invocationId: "run1:2" })
      .push({ type: "token", stage: "right", timestamp: 4, invocationId: "run1:2" })
      .end(5, "left")
      .push({
        type: "barrier_wait",
        stage: "join",
        nodeKind: "barrier",
        timestamp: 5,
        payload: { waitingFor: ["right"] },
      })
      .end(9, "right")
      .push({
        type: "barrier_release",
        stage: "join",
        nodeKind: "barrier",
        timestamp: 9,
        payload: { durationMs: 4 },
      });
    const timeline = buildTimeline(script.events);
    expect(timeline.barriers).toEqual([
      { lane: "join", start: 5, end: 9, durationMs: 4, waitingFor: ["right"] },
    ]);
    const right = timeline.invocations.find((i) => i.step === "right")!;
    expect([right.tokens, right.firstTokenMs]).toEqual([2, 3]);
    expect(timeline.tokens).toBe(2);
  });

  it("reads a live run and the same run after a JSON round trip (stored events) alike", async () => {
    const clock = new SimulatedClock(1_000_000);
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const pipe = new Pipe<{ items: number[] }>({ name: "live", clock });
    pipe.step("plan", () => {}, { to: ["slow", "quick"] });
    pipe.step("slow", () => sleep(30), { to: "merge" });
    pipe.step("quick", () => sleep(10), { to: "merge" });
    pipe.step("merge", () => {}, { to: "spread" });
    pipe.map("spread", ({ state }: StepArgs<{ items: number[] }>) => state.items, { each: "work" });
    pipe.step("work", () => sleep(5));
    const events: PipeEvent[] = [];
    const running = (async () => {
      for await (const event of pipe.run({ items: [1, 2, 3] })) events.push(event);
    })();
    await clock.runAll();
    await running;
    const live = buildTimeline(events);
    const stored = buildTimeline(JSON.parse(JSON.stringify(events)));
    expect(stored).toEqual(live);
    expect(live.status).toBe("success");
    expect(live.durationMs).toBe(35);
    expect(live.lanes.map((l) => [l.key, l.start, l.end, l.counts.total])).toEqual([
      ["plan", 0, 0, 1],
      ["slow", 0, 30, 1],
      ["quick", 0, 10, 1],
      ["merge", 30, 30, 1],
      ["spread", 30, 35, 1],
      ["work", 30, 35, 3],
    ]);
    expect(live.barriers).toEqual([
      { lane: "merge", start: 10, end: 30, durationMs: 20, waitingFor: ["slow"] },
    ]);
  });
});
