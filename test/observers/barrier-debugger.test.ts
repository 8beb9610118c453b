import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { BarrierDebugger, type BarrierWarning } from "../../src/observers/index.js";
import { runOn, SimulatedClock, sleeper } from "./support.js";

function buildPipe(clock: SimulatedClock, durations: Record<string, number>) {
  const sleep = sleeper(clock);
  const pipe = new Pipe({ name: "joins" });
  pipe.step("plan", () => {}, { to: ["fast", "slow", "slower"] });
  for (const [name, ms] of Object.entries(durations)) pipe.step(name, () => sleep(ms), { to: "merge" });
  pipe.step("merge", () => {});
  return pipe;
}

describe("BarrierDebugger", () => {
  it("warns once when a join waits past the threshold, naming the branches still missing", async () => {
    const clock = new SimulatedClock(0);
    const pipe = buildPipe(clock, { fast: 10, slow: 300, slower: 2_000 });
    const warnings: BarrierWarning[] = [];
    const debuggerObserver = new BarrierDebugger({
      thresholdMs: 500,
      clock,
      onWarning: (w) => warnings.push(w),
    });
    pipe.addObserver(debuggerObserver);
    const events = await runOn(pipe, {}, clock);
    expect(events.at(-1)?.type).toBe("finish");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      step: "merge",
      waitedMs: 500,
      waitingFor: ["slower"],
      pipeName: "joins",
    });
    expect(warnings[0]?.message).toBe(
      `Join 'merge' of pipe 'joins' (run ${events[0]!.runId}) has waited 500 ms for: slower. Look at those branches, or set a barrierTimeout on 'merge'.`,
    );
    expect(debuggerObserver.warnings).toEqual(warnings);
    expect(clock.pendingTimers).toBe(0);
  });

  it("stays quiet when the join is released within the threshold", async () => {
    const clock = new SimulatedClock(0);
    const pipe = buildPipe(clock, { fast: 10, slow: 20, slower: 499 });
    const warnings: BarrierWarning[] = [];
    pipe.addObserver(new BarrierDebugger({ thresholdMs: 500, clock, onWarning: (w) => warnings.push(w) }));
    await runOn(pipe, {}, clock);
    expect(warnings).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("reports through a process warning by default and checks its threshold", async () => {
    expect(() => new BarrierDebugger({ thresholdMs: -1 })).toThrow(
      "Expected `thresholdMs` to be a number >= 0",
    );
    const clock = new SimulatedClock(0);
    const pipe = buildPipe(clock, { fast: 1, slow: 2, slower: 50 });
    pipe.addObserver(new BarrierDebugger({ thresholdMs: 10, clock }));
    const seen: string[] = [];
    const listener = (warning: Error) => seen.push(`${warning.name}: ${warning.message}`);
    process.on("warning", listener);
    try {
      await runOn(pipe, {}, clock);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", listener);
    }
    expect(seen).toEqual([
      expect.stringMatching(/^JustpipeBarrierWarning: Join 'merge' .* has waited 10 ms for: slower\./),
    ]);
  });
});
