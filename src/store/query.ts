import { PipelineTerminalStatus } from "../events/outcome.js";
import type { RunStatus } from "./records.js";
import type { DeleteQuery, Instant, RunQuery, Store } from "./store.js";

/** A {@link RunQuery} with its defaults applied and its moments in ms: what stores filter by. */
export interface NormalizedRunQuery {
  readonly pipe: string | undefined;
  readonly pipeHash: string | undefined;
  readonly statuses: readonly RunStatus[] | undefined;
  readonly since: number | undefined;
  readonly until: number | undefined;
  readonly idPrefix: string | undefined;
  readonly threadId: string | undefined;
  readonly search: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

const toMs = (instant: Instant | undefined, name: string): number | undefined => {
  if (instant === undefined) return undefined;
  const ms = instant instanceof Date ? instant.getTime() : instant;
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError(
      `Expected \`${name}\` to be a Date or ms since the epoch, got \`${String(instant)}\``,
    );
  }
  return ms;
};

const toCount = (value: number | undefined, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new TypeError(
      `Expected \`${name}\` to be an integer >= 0, got \`${String(value)}\` (${typeof value})`,
    );
  }
  return value;
};

const toStatuses = (
  status: RunStatus | readonly RunStatus[] | undefined,
): readonly RunStatus[] | undefined =>
  status === undefined ? undefined : typeof status === "string" ? [status] : status;

/**
 * Applies the defaults of a {@link RunQuery} (limit 50, offset 0) and checks its fields.
 *
 * @param query - the caller's query.
 * @throws TypeError when a limit, offset or moment is not valid.
 */
export function normalizeRunQuery(query: RunQuery = {}): NormalizedRunQuery {
  return {
    pipe: query.pipe,
    pipeHash: query.pipeHash,
    statuses: toStatuses(query.status),
    since: toMs(query.since, "since"),
    until: toMs(query.until, "until"),
    idPrefix: query.idPrefix === "" ? undefined : query.idPrefix,
    threadId: query.threadId,
    search: query.search === undefined || query.search.trim() === "" ? undefined : query.search.trim(),
    limit: toCount(query.limit, "limit", 50),
    offset: toCount(query.offset, "offset", 0),
  };
}

/**
 * The run selection of a {@link DeleteQuery}: without a status, every status but `"running"`.
 *
 * @param query - the caller's delete query.
 */
export function normalizeDeleteQuery(query: DeleteQuery): NormalizedRunQuery {
  const statuses: readonly RunStatus[] = toStatuses(query.status) ?? Object.values(PipelineTerminalStatus);
  return {
    ...normalizeRunQuery({ pipe: query.pipe }),
    statuses,
    until: toMs(query.olderThan, "olderThan"),
    limit: Number.MAX_SAFE_INTEGER,
  };
}

/**
 * The stored run ids closest to an unknown one: those sharing the longest prefix with it (at
 * least one character), for "did you mean" messages.
 *
 * @param store - the store to search.
 * @param runId - the id that was not found.
 * @param limit - at most this many. @default 5
 *
 * @example
 * ```ts
 * const run = await store.getRun(id);
 * if (!run) throw new RunNotFoundError(id, store.location, await closestRunIds(store, id));
 * ```
 */
export async function closestRunIds(
  store: Pick<Store, "findRunIds">,
  runId: string,
  limit = 5,
): Promise<string[]> {
  for (let length = Math.min(runId.length, 64); length > 0; length--) {
    const ids = await store.findRunIds(runId.slice(0, length), limit);
    if (ids.length > 0) return ids;
  }
  return [];
}

/** The smallest string greater than every string that starts with `prefix` (for range scans). */
export const prefixEnd = (prefix: string): string => `${prefix}\uffff`;
