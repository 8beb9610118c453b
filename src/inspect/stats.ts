/**
 * Per-pipe and per-step statistics over stored runs (`justpipe runs stats`, the dashboard's
 * `/api/stats`). Pure: give it run records, get numbers back.
 */
import type { PipelineEndData } from "justpipe";

/** The fields of a stored run the statistics read (a store's `RunRecord` has them all). */
export interface StatsInput {
  readonly pipeName: string;
  readonly status: string;
  readonly startedAt: number;
  readonly durationMs: number | null;
  readonly failedStep: string | null;
  readonly error: string | null;
  readonly end: PipelineEndData | null;
}

/** Options of {@link computeStats}. */
export interface StatsOptions {
  /**
   * How many of the most common failures to keep per pipe.
   * @default 3
   */
  readonly topFailures?: number;
}

/** A failure and how often it happened: the failed step and the first line of its error. */
export interface FailureCount {
  readonly step: string | null;
  readonly error: string;
  readonly count: number;
}

/** The statistics of one step across the runs of its pipe. */
export interface StepStats {
  readonly step: string;
  /** Runs in which the step ran at least once. */
  readonly runs: number;
  /** Its invocations that ended successfully over those runs (the runs' metrics count those). */
  readonly invocations: number;
  /** Runs that failed at this step. */
  readonly failures: number;
  /** `(runs - failures) / runs`. */
  readonly successRate: number;
  /** Percentiles of the step's time per run (the sum of its invocations' durations), in ms. */
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** The statistics of one pipe. */
export interface PipeStats {
  readonly pipe: string;
  readonly runs: number;
  /** Runs per status (`success`, `failed`, `running`, ...). */
  readonly statuses: Readonly<Record<string, number>>;
  /**
   * Successful runs over runs that ended (running and suspended ones are left out); `null` when
   * none ended.
   */
  readonly successRate: number | null;
  /** Percentiles of the ended runs' durations in ms. */
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly lastRunAt: number;
  /** The most common failures, most frequent first. */
  readonly topFailures: readonly FailureCount[];
  /** One entry per step, in order of total time spent, most first. */
  readonly steps: readonly StepStats[];
}

/** The result of {@link computeStats}. */
export interface RunStats {
  readonly runs: number;
  readonly pipes: readonly PipeStats[];
}

/** The `fraction` percentile (nearest rank) of sorted numbers; 0 when empty. */
export function nearestRank(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

interface StepAccumulator {
  runs: number;
  invocations: number;
  failures: number;
  perRunMs: number[];
}

/**
 * Computes per-pipe and per-step statistics. Step numbers come from each run's end metrics
 * (`end.metrics.stepLatency`), so no events are read.
 *
 * @example
 * const stats = computeStats(await store.listRuns({ since: Date.now() - 86_400_000 }));
 * for (const pipe of stats.pipes) console.log(pipe.pipe, pipe.successRate, pipe.p95Ms);
 */
export function computeStats(runs: readonly StatsInput[], options: StatsOptions = {}): RunStats {
  const topFailures = options.topFailures ?? 3;
  const byPipe = new Map<string, StatsInput[]>();
  for (const run of runs) {
    const list = byPipe.get(run.pipeName);
    if (list) list.push(run);
    else byPipe.set(run.pipeName, [run]);
  }
  const pipes = [...byPipe.entries()]
    .map(([pipe, pipeRuns]) => pipeStats(pipe, pipeRuns, topFailures))
    .sort((a, b) => b.runs - a.runs || a.pipe.localeCompare(b.pipe));
  return { runs: runs.length, pipes };
}

function pipeStats(pipe: string, runs: readonly StatsInput[], topFailures: number): PipeStats {
  const statuses: Record<string, number> = {};
  const durations: number[] = [];
  const failures = new Map<string, FailureCount>();
  const steps = new Map<string, StepAccumulator>();
  let lastRunAt = 0;
  for (const run of runs) {
    statuses[run.status] = (statuses[run.status] ?? 0) + 1;
    lastRunAt = Math.max(lastRunAt, run.startedAt);
    if (run.status !== "running" && run.durationMs !== null) durations.push(run.durationMs);
    if (run.status !== "success" && run.status !== "running" && run.status !== "suspended") {
      const error = (run.error ?? run.status).split("\n")[0]!;
      const key = `${run.failedStep ?? ""}\u0000${error}`;
      const known = failures.get(key);
      failures.set(key, { step: run.failedStep, error, count: (known?.count ?? 0) + 1 });
    }
    for (const [step, timing] of Object.entries(run.end?.metrics?.stepLatency ?? {})) {
      let accumulator = steps.get(step);
      if (!accumulator)
        steps.set(step, (accumulator = { runs: 0, invocations: 0, failures: 0, perRunMs: [] }));
      accumulator.runs++;
      accumulator.invocations += timing.count;
      accumulator.perRunMs.push(timing.totalMs);
      if (run.failedStep === step) accumulator.failures++;
    }
    // Metrics time only the steps that ended, so a step that failed may be missing from them.
    const latency = run.end?.metrics?.stepLatency ?? {};
    if (run.failedStep !== null && !(run.failedStep in latency)) {
      let accumulator = steps.get(run.failedStep);
      if (!accumulator)
        steps.set(run.failedStep, (accumulator = { runs: 0, invocations: 0, failures: 0, perRunMs: [] }));
      accumulator.runs++;
      accumulator.failures++;
    }
  }
  durations.sort((a, b) => a - b);
  const ended = runs.length - (statuses.running ?? 0) - (statuses.suspended ?? 0);
  return {
    pipe,
    runs: runs.length,
    statuses,
    successRate: ended === 0 ? null : (statuses.success ?? 0) / ended,
    p50Ms: nearestRank(durations, 0.5),
    p95Ms: nearestRank(durations, 0.95),
    lastRunAt,
    topFailures: [...failures.values()].sort((a, b) => b.count - a.count).slice(0, topFailures),
    steps: [...steps.entries()]
      .map(([step, accumulator]) => stepStats(step, accumulator))
      .sort((a, b) => b.p50Ms * b.runs - a.p50Ms * a.runs || a.step.localeCompare(b.step)),
  };
}

function stepStats(step: string, accumulator: StepAccumulator): StepStats {
  const sorted = accumulator.perRunMs.sort((a, b) => a - b);
  return {
    step,
    runs: accumulator.runs,
    invocations: accumulator.invocations,
    failures: accumulator.failures,
    successRate: accumulator.runs === 0 ? 0 : (accumulator.runs - accumulator.failures) / accumulator.runs,
    p50Ms: nearestRank(sorted, 0.5),
    p95Ms: nearestRank(sorted, 0.95),
  };
}
