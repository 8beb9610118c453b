import type { RunRecord, RunStatus, Store } from "../index.js";

/** Runs looked at for the charts and step percentiles of `/api/stats`. */
const SAMPLE_RUNS = 1000;

/** One step's latency across the sampled runs. */
export interface StepStats {
  readonly step: string;
  /** Invocations that ended, summed over the runs. */
  readonly count: number;
  /** Median of the per-run mean durations, in milliseconds. */
  readonly p50Ms: number;
  /** 95th percentile of the per-run mean durations, in milliseconds. */
  readonly p95Ms: number;
}

/** What `/api/stats` answers. */
export interface DashboardStats {
  readonly pipe: string | null;
  readonly since: number | null;
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Successful runs over finished ones (running runs excluded); null before any finished. */
  readonly successRate: number | null;
  /** The most recent runs (up to 1000), oldest first: the runs-over-time chart. */
  readonly recent: readonly {
    runId: string;
    startedAt: number;
    durationMs: number | null;
    status: RunStatus;
  }[];
  readonly steps: readonly StepStats[];
}

const STATUSES: readonly RunStatus[] = [
  "running",
  "success",
  "failed",
  "timeout",
  "cancelled",
  "client_closed",
  "suspended",
];

/** Counts, success rate and per-step percentiles of a pipe's runs (all pipes without `pipe`). */
export async function computeStats(
  reader: Store,
  filter: { pipe?: string; since?: number },
): Promise<DashboardStats> {
  const counts = await Promise.all(
    STATUSES.map(
      async (status) => [status, await reader.countRuns({ ...filter, status: [status] })] as const,
    ),
  );
  const byStatus = Object.fromEntries(counts.filter(([, count]) => count > 0));
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  const finished = total - (byStatus.running ?? 0);
  const runs = await reader.listRuns({ ...filter, limit: SAMPLE_RUNS, offset: 0 });
  return {
    pipe: filter.pipe ?? null,
    since: filter.since ?? null,
    total,
    byStatus,
    successRate: finished === 0 ? null : (byStatus.success ?? 0) / finished,
    recent: runs
      .map((run) => ({
        runId: run.runId,
        startedAt: run.startedAt,
        durationMs: run.durationMs,
        status: run.status,
      }))
      .sort((a, b) => a.startedAt - b.startedAt),
    steps: stepPercentiles(runs),
  };
}

function stepPercentiles(runs: readonly RunRecord[]): StepStats[] {
  const samples = new Map<string, { count: number; means: number[] }>();
  for (const run of runs) {
    for (const [step, timing] of Object.entries(run.end?.metrics?.stepLatency ?? {})) {
      if (timing.count === 0) continue;
      const entry = samples.get(step) ?? { count: 0, means: [] };
      entry.count += timing.count;
      entry.means.push(timing.totalMs / timing.count);
      samples.set(step, entry);
    }
  }
  return [...samples]
    .map(([step, { count, means }]) => {
      means.sort((a, b) => a - b);
      return { step, count, p50Ms: percentile(means, 0.5), p95Ms: percentile(means, 0.95) };
    })
    .sort((a, b) => b.p95Ms - a.p95Ms);
}

function percentile(sorted: readonly number[], rank: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1));
  return sorted[index] ?? 0;
}
