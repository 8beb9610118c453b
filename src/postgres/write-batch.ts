import type { WriteBatch } from "../index.js";
import {
  CHECKPOINT_COLUMNS,
  checkpointParams,
  EVENT_COLUMNS,
  eventParams,
  lastSeqByRun,
  RUN_COLUMNS,
  runParams,
} from "../store/sql-rows.js";
import { EVENT_TYPES, NOTIFY_CHANNEL } from "./events.js";

// A run that ended gives up its lease in the same write; last_seq only grows.
const RUN_UPDATES = `${RUN_COLUMNS.filter(
  (column) => column !== "run_id" && column !== "owner" && column !== "lease_until",
)
  .map((column) => `${column} = excluded.${column}`)
  .join(", ")}, owner = CASE WHEN excluded.status = 'running' THEN runs.owner END,
  lease_until = CASE WHEN excluded.status = 'running' THEN runs.lease_until END,
  last_seq = GREATEST(runs.last_seq, excluded.last_seq)`;
const CHECKPOINT_UPDATES = CHECKPOINT_COLUMNS.filter((column) => column !== "run_id")
  .map((column) => `${column} = excluded.${column}`)
  .join(", ");

/** One statement that writes a whole batch, with its parameters. */
export interface BatchStatement {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * A batch as ONE statement (one round trip, atomic without BEGIN/COMMIT): data-modifying `WITH`
 * clauses for the definition, the run (with its `last_seq`), the events (`unnest`), the other
 * runs' `last_seq`, the checkpoint, then `pg_notify` for each run that changed. No two clauses
 * change the same row (a statement's clauses cannot see each other's changes): the run's own
 * `last_seq` is set by its upsert, not by the update of the others.
 *
 * @param schema - the quoted schema.
 * @param batch - the batch.
 * @param now - the store's clock, for `updated_at`.
 * @param options - `lease`: the record to store with its owner (a new run); `pipeline`: whether
 *   to write the definition (false when this store wrote that hash already); `schemaName`: the
 *   unquoted schema, for notifications.
 */
export function batchStatement(
  schema: string,
  batch: WriteBatch,
  now: number,
  options: { readonly lease?: WriteBatch["run"]; readonly pipeline: boolean; readonly schemaName: string },
): BatchStatement {
  const params: unknown[] = [];
  const next = (value: unknown, cast = ""): string => {
    params.push(value);
    return `$${params.length}${cast}`;
  };
  const clauses: string[] = [];
  const touched = new Set<string>();
  const lastSeqs =
    batch.events && batch.events.length > 0 ? lastSeqByRun(batch.events) : new Map<string, number>();
  if (batch.pipeline && options.pipeline) {
    const { hash, name, describe, firstSeen } = batch.pipeline;
    clauses.push(
      `INSERT INTO ${schema}.pipelines (hash, name, describe, first_seen) VALUES (${next(hash)}, ${next(name)}, ${next(JSON.stringify(describe))}, ${next(firstSeen)}) ON CONFLICT (hash) DO NOTHING`,
    );
  }
  if (batch.run) {
    const record = options.lease ?? { ...batch.run, owner: null, leaseUntil: null };
    const values = runParams(record, now).map((value) => next(value));
    values.push(next(lastSeqs.get(batch.run.runId) ?? 0));
    lastSeqs.delete(batch.run.runId);
    clauses.push(
      `INSERT INTO ${schema}.runs (${RUN_COLUMNS.join(", ")}, last_seq) VALUES (${values.join(", ")}) ON CONFLICT (run_id) DO UPDATE SET ${RUN_UPDATES}`,
    );
    touched.add(batch.run.runId);
  }
  if (batch.events && batch.events.length > 0) {
    const columns: unknown[][] = EVENT_COLUMNS.map(() => []);
    for (const event of batch.events) {
      const values = eventParams(event);
      for (let index = 0; index < values.length; index++) columns[index]!.push(values[index]);
    }
    const arrays = EVENT_TYPES.map((type, index) => next(columns[index], `::${type}[]`)).join(", ");
    clauses.push(
      `INSERT INTO ${schema}.events (${EVENT_COLUMNS.join(", ")}) SELECT * FROM unnest(${arrays}) ON CONFLICT (run_id, seq) DO NOTHING`,
    );
    if (lastSeqs.size > 0) {
      clauses.push(
        `UPDATE ${schema}.runs SET last_seq = GREATEST(runs.last_seq, v.seq), updated_at = ${next(now)} FROM unnest(${next([...lastSeqs.keys()], "::text[]")}, ${next([...lastSeqs.values()], "::int4[]")}) AS v(run_id, seq) WHERE runs.run_id = v.run_id`,
      );
    }
    for (const event of batch.events) touched.add(event.runId);
  }
  if (batch.checkpoint) {
    const values = checkpointParams(batch.checkpoint, (value) => value).map((value) => next(value));
    clauses.push(
      `INSERT INTO ${schema}.checkpoints (${CHECKPOINT_COLUMNS.join(", ")}) VALUES (${values.join(", ")}) ON CONFLICT (run_id) DO UPDATE SET ${CHECKPOINT_UPDATES}`,
    );
  }
  const notify = `SELECT pg_notify(${next(NOTIFY_CHANNEL)}, ${next(`${options.schemaName}:`)} || id) FROM unnest(${next([...touched], "::text[]")}) AS id`;
  if (clauses.length === 0) return { sql: notify, params };
  const sql = `WITH ${clauses.map((clause, index) => `w${index} AS (${clause})`).join(", ")} ${notify}`;
  return { sql, params };
}
