import type { RunQuery, RunRecord, Store } from "../index.js";

/** One page of runs and how many match in all. */
export interface RunsPage {
  readonly runs: readonly RunRecord[];
  readonly total: number;
}

/**
 * A page of runs, newest first, shaped so every read stays on an index:
 *
 * - Without a search, one `listRuns` and, only when the page is full (or empty past the start),
 *   one `countRuns`: a short page tells the total by itself.
 * - With a search `q` (a run id prefix or part of a pipe name), no scan of every run for the text:
 *   the pipe names that contain it come from the small pipelines table, then the runs are read by
 *   id prefix (the primary key) and by each of those pipe names (the pipe index), merged newest
 *   first; totals are the counts of those reads minus the runs both found.
 *
 * @param store - the store to read.
 * @param filter - status, pipe and time filters (no `limit`, `offset` or `search`).
 * @param q - the search text, or undefined.
 * @param page - `limit` and `offset`.
 */
export async function findRuns(
  store: Store,
  filter: RunQuery,
  q: string | undefined,
  page: { readonly limit: number; readonly offset: number },
): Promise<RunsPage> {
  if (q === undefined) return listWithTotal(store, filter, page);
  const needle = q.toLowerCase();
  const names = [...new Set((await store.listPipelines()).map((pipeline) => pipeline.name))].filter(
    (name) => name.toLowerCase().includes(needle) && (filter.pipe === undefined || filter.pipe === name),
  );
  const byId: RunQuery = { ...filter, idPrefix: q };
  const parts: RunQuery[] = [byId, ...names.map((name) => ({ ...filter, pipe: name }))];
  if (parts.length === 1) return listWithTotal(store, byId, page);
  // Each part's newest offset + limit runs hold the merged page.
  const lists = await Promise.all(
    parts.map((part) => store.listRuns({ ...part, limit: page.offset + page.limit, offset: 0 })),
  );
  const seen = new Set<string>();
  const merged = lists
    .flat()
    .filter((run) => !seen.has(run.runId) && seen.add(run.runId))
    .sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
  const counts = await Promise.all(parts.map((part) => store.countRuns(part)));
  // Runs found both by id prefix and by a pipe name count once.
  const both =
    counts[0] === 0
      ? 0
      : (await Promise.all(names.map((name) => store.countRuns({ ...byId, pipe: name })))).reduce(
          (sum, count) => sum + count,
          0,
        );
  return {
    runs: merged.slice(page.offset, page.offset + page.limit),
    total: counts.reduce((sum, count) => sum + count, 0) - both,
  };
}

async function listWithTotal(
  store: Store,
  filter: RunQuery,
  page: { readonly limit: number; readonly offset: number },
): Promise<RunsPage> {
  const runs = await store.listRuns({ ...filter, limit: page.limit, offset: page.offset });
  const complete = runs.length < page.limit && (runs.length > 0 || page.offset === 0);
  const total = complete ? page.offset + runs.length : await store.countRuns(filter);
  return { runs, total };
}
