import type { PipelineEndData } from "justpipe";
import { computeStats, nearestRank, type StatsInput } from "justpipe/inspect";
import { describe, expect, it } from "vitest";

function run(
  overrides: Partial<StatsInput> & { steps?: Record<string, [count: number, totalMs: number]> },
): StatsInput {
  const { steps, ...rest } = overrides;
  const stepLatency = Object.fromEntries(
    Object.entries(steps ?? {}).map(([step, [count, totalMs]]) => [
      step,
      { count, totalMs, minMs: 0, maxMs: totalMs, p50Ms: totalMs / count, p95Ms: totalMs / count },
    ]),
  );
  return {
    pipeName: "ingest",
    status: "success",
    startedAt: 1000,
    durationMs: 100,
    failedStep: null,
    error: null,
    end: { metrics: { stepLatency } } as unknown as PipelineEndData,
    ...rest,
  };
}

describe("computeStats", () => {
  it("computes per-pipe success rate over ended runs and nearest-rank p50/p95 of their durations", () => {
    const runs = [
      run({ durationMs: 10 }),
      run({ durationMs: 20 }),
      run({ durationMs: 30, status: "failed", failedStep: "answer", error: "boom\n  at x" }),
      run({ durationMs: 40 }),
      run({ durationMs: null, status: "running" }),
      run({ durationMs: 5, status: "suspended" }),
    ];
    const [ingest] = computeStats(runs).pipes;
    expect(ingest).toMatchObject({
      pipe: "ingest",
      runs: 6,
      statuses: { success: 3, failed: 1, running: 1, suspended: 1 },
    });
    expect(ingest!.successRate).toBe(3 / 4);
    expect(ingest!.p50Ms).toBe(20);
    expect(ingest!.p95Ms).toBe(40);
    expect(ingest!.topFailures).toEqual([{ step: "answer", error: "boom", count: 1 }]);
  });

  it("counts steps from the runs' metrics, and a failed step missing from them as a failure", () => {
    const runs = [
      run({ steps: { load: [1, 40], embed: [3, 150] } }),
      run({ steps: { load: [1, 60], embed: [3, 90] } }),
      run({ steps: { load: [1, 50] }, status: "failed", failedStep: "embed", error: "rate limited" }),
    ];
    const steps = computeStats(runs).pipes[0]!.steps;
    expect(steps.find((step) => step.step === "load")).toMatchObject({
      runs: 3,
      invocations: 3,
      failures: 0,
      p50Ms: 50,
    });
    const embed = steps.find((step) => step.step === "embed")!;
    expect(embed).toMatchObject({ runs: 3, invocations: 6, failures: 1, p50Ms: 90, p95Ms: 150 });
    expect(embed.successRate).toBeCloseTo(2 / 3);
  });

  it("groups by pipe, most runs first, keeps the most common failures first, and has no rate without ended runs", () => {
    const runs = [
      run({ pipeName: "a", status: "failed", error: "x" }),
      run({ pipeName: "a", status: "failed", error: "y" }),
      run({ pipeName: "a", status: "timeout", error: "y" }),
      run({ pipeName: "b", status: "running", durationMs: null }),
    ];
    const stats = computeStats(runs, { topFailures: 1 });
    expect(stats.runs).toBe(4);
    expect(stats.pipes.map((pipe) => pipe.pipe)).toEqual(["a", "b"]);
    expect(stats.pipes[0]!.topFailures).toEqual([{ step: null, error: "y", count: 2 }]);
    expect(stats.pipes[1]!.successRate).toBeNull();
  });

  it("takes the nearest-rank percentile", () => {
    expect(nearestRank([], 0.5)).toBe(0);
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0.95)).toBe(4);
  });
});
