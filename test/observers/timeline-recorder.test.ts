import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { buildTimeline } from "../../src/inspect/index.js";
import { TimelineRecorder } from "../../src/observers/index.js";
import { MemorySink, runOn, SimulatedClock, sleeper } from "./support.js";

function buildPipe(clock: SimulatedClock) {
  const sleep = sleeper(clock);
  const pipe = new Pipe<{ items: number[] }>({ name: "recorded" });
  pipe.step("load", () => sleep(20), { to: "fan" });
  pipe.map("fan", ({ state }) => state.items, { each: "work" });
  pipe.step("work", ({ item }) => sleep(10 * (item as number)));
  return pipe;
}

describe("TimelineRecorder", () => {
  it("records each run's timeline, the same model buildTimeline makes from the events", async () => {
    const clock = new SimulatedClock(0);
    const pipe = buildPipe(clock);
    const recorder = new TimelineRecorder();
    pipe.addObserver(recorder);
    const events = await runOn(pipe, { items: [1, 2, 3] }, clock);
    expect(recorder.timeline()).toEqual(buildTimeline(events));
    expect(recorder.timeline().lanes.map((l) => [l.key, l.counts.total, l.start, l.end])).toEqual([
      ["load", 1, 0, 20],
      ["fan", 1, 20, 50],
      ["work", 3, 20, 50],
    ]);
    expect(JSON.parse(JSON.stringify(recorder))).toHaveLength(1);
  });

  it("prints a Gantt chart of each run when it ends", async () => {
    const clock = new SimulatedClock(0);
    const pipe = buildPipe(clock);
    const sink = new MemorySink();
    pipe.addObserver(new TimelineRecorder({ print: sink, gantt: { width: 50, legend: false } }));
    await runOn(pipe, { items: [1, 2] }, clock);
    const lines = sink.lines;
    expect(lines[0]).toMatch(/^run \S+ {2}success {2}40ms$/);
    expect(lines.slice(1)).toEqual([
      "load    |█████████████████                | 20ms",
      "fan     |                █████████████████| 20ms",
      "work ×2 |                █████████████████| 20ms",
      "         0                            40ms",
    ]);
  });

  it("keeps the last maxRuns runs and says so when asked for an older one", async () => {
    const clock = new SimulatedClock(0);
    const pipe = buildPipe(clock);
    const recorder = new TimelineRecorder({ maxRuns: 2 });
    pipe.addObserver(recorder);
    const first = (await runOn(pipe, { items: [] }, clock))[0]!.runId;
    await runOn(pipe, { items: [1] }, clock);
    await runOn(pipe, { items: [1, 2] }, clock);
    expect(recorder.runIds).toHaveLength(2);
    expect(recorder.runIds).not.toContain(first);
    expect(() => recorder.timeline(first)).toThrow(`TimelineRecorder has no run '${first}'`);
    expect(() => new TimelineRecorder().gantt()).toThrow("has recorded no run yet");
    expect(() => new TimelineRecorder({ maxRuns: 0 })).toThrow("Expected `maxRuns` to be an integer >= 1");
  });
});
