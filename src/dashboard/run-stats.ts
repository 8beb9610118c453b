import type { RunStatus, Store } from "../index.js";
import { computeStats as computeRunStats, type PipeStats } from "../inspect/index.js";
import { RUN_STATUSES } from "./query.js";

/** Runs looked at for the charts and the per-step statistics of `/api/stats`. */
const SAMPLE_RUNS = 1000;

/** What `/api/stats` answers. */
export interface DashboardStats {
  readonly pipe: string | null;
  readonly since: number | null;
  /** Every run that matches (counted by the store, not sampled). */
  readonly total: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Successful runs over ended ones (running and suspended runs left out); null before any ended. */
  readonly successRate: number | null;
  /** How many of the newest runs the charts and `pipes` are computed from (at most 1000). */
  readonly sampled: number;
  /** The sampled runs, oldest first: the runs-over-time chart. */
  readonly recent: readonly {
    runId: string;
    startedAt: number;
    durationMs: number | null;
    status: RunStatus;
  }[];
  /**
   * Per pipe and per step over the sampled runs: `computeStats` of `justpipe/inspect`, the same
   * numbers `justpipe runs stats` prints.
   */
  readonly pipes: readonly PipeStats[];
}

/** Counts per status (from the store), and the statistics of the newest 1000 runs. */
export async function computeStats(
  reader: Store,
  filter: { pipe?: string; since?: number },
): Promise<DashboardStats> {
  const [counts, runs] = await Promise.all([
    Promise.all(
      RUN_STATUSES.map(
        async (status) => [status, await reader.countRuns({ ...filter, status: [status] })] as const,
      ),
    ),
    reader.listRuns({ ...filter, limit: SAMPLE_RUNS, offset: 0 }),
  ]);
  const byStatus = Object.fromEntries(counts.filter(([, count]) => count > 0));
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  const ended = total - (byStatus.running ?? 0) - (byStatus.suspended ?? 0);
  return {
    pipe: filter.pipe ?? null,
    since: filter.since ?? null,
    total,
    byStatus,
    successRate: ended === 0 ? null : (byStatus.success ?? 0) / ended,
    sampled: runs.length,
    recent: runs
      .map((run) => ({
        runId: run.runId,
        startedAt: run.startedAt,
        durationMs: run.durationMs,
        status: run.status,
      }))
      .sort((a, b) => a.startedAt - b.startedAt),
    pipes: computeRunStats(runs).pipes,
  };
}
