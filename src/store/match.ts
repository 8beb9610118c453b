import type { NormalizedRunQuery } from "./query.js";
import type { RunRecord } from "./records.js";

const contains = (text: string | null, needle: string): boolean =>
  text?.toLowerCase().includes(needle) ?? false;

/**
 * Whether a run matches a query: the same rules the SQL stores apply in their `WHERE` clause,
 * for stores that filter in memory.
 *
 * @param run - the run.
 * @param query - the normalized query.
 */
export function runMatches(run: RunRecord, query: NormalizedRunQuery): boolean {
  if (query.pipe !== undefined && run.pipeName !== query.pipe) return false;
  if (query.pipeHash !== undefined && run.pipeHash !== query.pipeHash) return false;
  if (query.statuses !== undefined && !query.statuses.includes(run.status)) return false;
  if (query.since !== undefined && run.startedAt < query.since) return false;
  if (query.until !== undefined && run.startedAt >= query.until) return false;
  if (query.idPrefix !== undefined && !run.runId.startsWith(query.idPrefix)) return false;
  if (query.threadId !== undefined && run.threadId !== query.threadId) return false;
  if (query.search !== undefined) {
    const needle = query.search.toLowerCase();
    const found =
      run.runId.startsWith(needle) ||
      contains(run.pipeName, needle) ||
      contains(run.error, needle) ||
      contains(run.failedStep, needle);
    if (!found) return false;
  }
  return true;
}

/**
 * Newest first: by `startedAt`, then by id (descending) so equal times have a stable order.
 *
 * @param a - one run.
 * @param b - another.
 */
export function newestFirst(a: RunRecord, b: RunRecord): number {
  if (a.startedAt !== b.startedAt) return b.startedAt - a.startedAt;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}
