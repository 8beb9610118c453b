import type { EventType, Store, StoredEvent } from "../index.js";

/**
 * A run's events of the given types in `seq` order, read with one query per type and merged.
 *
 * One query per type keeps every read on the store's `(run, type, seq)` index: given several types
 * at once, SQLite chooses the `(run, seq)` key to avoid a sort and walks every event of the run
 * (500 ms for the 2 failures of a 100,000-event run, against under 1 ms per type). With `limit`,
 * each type's read stops at `limit` and the merge keeps the first `limit`.
 *
 * @param store - the store to read.
 * @param runId - the run (exact id).
 * @param types - the event types; one type is a single read.
 * @param query - `afterSeq` and `limit`, as for `store.getEvents`.
 */
export async function eventsOfTypes(
  store: Pick<Store, "getEvents">,
  runId: string,
  types: readonly EventType[],
  query: { readonly afterSeq?: number; readonly limit?: number } = {},
): Promise<StoredEvent[]> {
  if (types.length <= 1) return store.getEvents(runId, { ...query, types });
  const pages = await Promise.all(types.map((type) => store.getEvents(runId, { ...query, types: [type] })));
  const merged = pages.flat().sort((a, b) => a.seq - b.seq);
  return query.limit === undefined ? merged : merged.slice(0, query.limit);
}
