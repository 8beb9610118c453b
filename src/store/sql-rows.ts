import type { PipelineEndData } from "../events/outcome.js";
import type { EventType, NodeKind } from "../events/types.js";
import type { Checkpoint } from "./checkpoint.js";
import type { NormalizedRunQuery } from "./query.js";
import type { PipelineRecord, RunRecord, RunStatus, StoredEvent } from "./records.js";

// Row <-> record mapping and query building shared by the SQL stores (not part of the public API).

/** A database row: column name -> value, as the drivers return it. */
export type Row = Record<string, unknown>;

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);
const number = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);
const json = (value: unknown): unknown =>
  value === null || value === undefined ? null : JSON.parse(String(value));

/** The columns of `runs` in the order {@link runParams} gives their values. */
export const RUN_COLUMNS = [
  "run_id",
  "thread_id",
  "resumed_from",
  "parent_run_id",
  "pipe_name",
  "pipe_hash",
  "status",
  "started_at",
  "ended_at",
  "duration_ms",
  "failure_kind",
  "failure_source",
  "failed_step",
  "error",
  "suspended_step",
  "suspend_reason",
  "end_data",
  "labels",
  "owner",
  "lease_until",
  "updated_at",
] as const;

/**
 * The values of a run's columns, in {@link RUN_COLUMNS} order.
 *
 * @param run - the run record.
 * @param updatedAt - the store's clock.
 */
export function runParams(run: RunRecord, updatedAt: number): unknown[] {
  return [
    run.runId,
    run.threadId,
    run.resumedFrom,
    run.parentRunId,
    run.pipeName,
    run.pipeHash,
    run.status,
    run.startedAt,
    run.endedAt,
    run.durationMs,
    run.failureKind,
    run.failureSource,
    run.failedStep,
    run.error,
    run.suspendedStep,
    run.suspendReason,
    run.end === null ? null : JSON.stringify(run.end),
    JSON.stringify(run.labels ?? {}),
    run.owner,
    run.leaseUntil,
    updatedAt,
  ];
}

/**
 * A `runs` row as a record.
 *
 * @param row - the row.
 */
export function rowToRun(row: Row): RunRecord {
  return {
    runId: String(row.run_id),
    threadId: String(row.thread_id),
    resumedFrom: text(row.resumed_from),
    parentRunId: text(row.parent_run_id),
    pipeName: String(row.pipe_name),
    pipeHash: String(row.pipe_hash),
    status: String(row.status) as RunStatus,
    startedAt: Number(row.started_at),
    endedAt: number(row.ended_at),
    durationMs: number(row.duration_ms),
    failureKind: text(row.failure_kind) as RunRecord["failureKind"],
    failureSource: text(row.failure_source) as RunRecord["failureSource"],
    failedStep: text(row.failed_step),
    error: text(row.error),
    suspendedStep: text(row.suspended_step),
    suspendReason: text(row.suspend_reason),
    end: json(row.end_data) as PipelineEndData | null,
    labels: (json(row.labels) ?? {}) as Record<string, string>,
    owner: text(row.owner),
    leaseUntil: number(row.lease_until),
    lastSeq: Number(row.last_seq),
    updatedAt: Number(row.updated_at),
  };
}

/** The columns of `events` in the order {@link eventParams} gives their values. */
export const EVENT_COLUMNS = [
  "run_id",
  "seq",
  "ts",
  "type",
  "stage",
  "node_kind",
  "invocation_id",
  "parent_invocation_id",
  "owner_invocation_id",
  "attempt",
  "origin_run_id",
  "parent_run_id",
  "scope",
  "meta",
  "payload",
  "coalesced_count",
  "coalesced_last_seq",
] as const;

/**
 * The values of an event's columns, in {@link EVENT_COLUMNS} order.
 *
 * @param event - the stored event.
 */
export function eventParams(event: StoredEvent): unknown[] {
  return [
    event.runId,
    event.seq,
    event.timestamp,
    event.type,
    event.stage,
    event.nodeKind,
    event.invocationId,
    event.parentInvocationId,
    event.ownerInvocationId,
    event.attempt,
    event.originRunId,
    event.parentRunId,
    JSON.stringify(event.scope),
    event.meta === null ? null : JSON.stringify(event.meta),
    event.payload === undefined ? null : JSON.stringify(event.payload),
    event.coalesced?.count ?? null,
    event.coalesced?.lastSeq ?? null,
  ];
}

/**
 * An `events` row as a stored event.
 *
 * @param row - the row.
 */
export function rowToEvent(row: Row): StoredEvent {
  const event: StoredEvent = {
    runId: String(row.run_id),
    seq: Number(row.seq),
    type: String(row.type) as EventType,
    stage: String(row.stage),
    timestamp: Number(row.ts),
    originRunId: String(row.origin_run_id),
    parentRunId: text(row.parent_run_id),
    nodeKind: String(row.node_kind) as NodeKind,
    invocationId: text(row.invocation_id),
    parentInvocationId: text(row.parent_invocation_id),
    ownerInvocationId: text(row.owner_invocation_id),
    attempt: Number(row.attempt),
    scope: json(row.scope) as string[],
    meta: json(row.meta) as Record<string, unknown> | null,
    payload: row.payload === null || row.payload === undefined ? undefined : json(row.payload),
  };
  if (row.coalesced_count === null || row.coalesced_count === undefined) return event;
  return {
    ...event,
    coalesced: { count: Number(row.coalesced_count), lastSeq: Number(row.coalesced_last_seq) },
  };
}

/** The highest seq a batch stores for each run. */
export function lastSeqByRun(events: readonly StoredEvent[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const event of events) {
    const seq = event.coalesced?.lastSeq ?? event.seq;
    if (seq > (last.get(event.runId) ?? 0)) last.set(event.runId, seq);
  }
  return last;
}

/** The columns of `checkpoints` in the order {@link checkpointParams} gives their values. */
export const CHECKPOINT_COLUMNS = [
  "run_id",
  "thread_id",
  "version",
  "pipe_hash",
  "seq",
  "written_at",
  "reason",
  "quiescent",
  "codec",
  "frontier",
  "state_text",
  "state_bytes",
] as const;

/**
 * The values of a checkpoint's columns, in {@link CHECKPOINT_COLUMNS} order.
 *
 * @param checkpoint - the checkpoint.
 * @param bool - how the dialect stores booleans.
 */
export function checkpointParams(checkpoint: Checkpoint, bool: (value: boolean) => unknown): unknown[] {
  const isText = typeof checkpoint.state === "string";
  return [
    checkpoint.runId,
    checkpoint.threadId,
    checkpoint.v,
    checkpoint.pipeHash,
    checkpoint.seq,
    checkpoint.writtenAt,
    checkpoint.reason,
    bool(checkpoint.quiescent),
    checkpoint.codec,
    JSON.stringify(checkpoint.frontier),
    isText ? checkpoint.state : null,
    isText ? null : Buffer.from(checkpoint.state as Uint8Array),
  ];
}

/**
 * A `checkpoints` row as a checkpoint.
 *
 * @param row - the row.
 */
export function rowToCheckpoint(row: Row): Checkpoint {
  const bytes = row.state_bytes as Uint8Array | null;
  return {
    v: Number(row.version) as 1,
    runId: String(row.run_id),
    threadId: String(row.thread_id),
    pipeHash: String(row.pipe_hash),
    seq: Number(row.seq),
    writtenAt: Number(row.written_at),
    reason: String(row.reason) as Checkpoint["reason"],
    quiescent: row.quiescent === true || row.quiescent === 1,
    codec: String(row.codec),
    state: bytes === null || bytes === undefined ? String(row.state_text) : new Uint8Array(bytes),
    frontier: json(row.frontier) as Checkpoint["frontier"],
  };
}

/**
 * A `pipelines` row as a record.
 *
 * @param row - the row.
 */
export function rowToPipeline(row: Row): PipelineRecord {
  return {
    hash: String(row.hash),
    name: String(row.name),
    describe: json(row.describe) as Record<string, unknown>,
    firstSeen: Number(row.first_seen),
  };
}

const escapeLike = (value: string): string => value.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * The `WHERE` clause of a run query (empty when nothing filters) and its parameters.
 *
 * @param query - the normalized query.
 * @param placeholder - the dialect's n-th parameter marker (`?` or `$n`), from 1.
 * @param firstIndex - the number of the first parameter. @default 1
 * @param runsTable - the `runs` table's name as the query spells it (schema-qualified). @default "runs"
 * @param dialect - the SQL dialect. @default "sqlite"
 */
export function runWhere(
  query: NormalizedRunQuery,
  placeholder: (index: number) => string,
  firstIndex = 1,
  runsTable = "runs",
  dialect: "sqlite" | "postgres" = "sqlite",
): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const next = (value: unknown) => {
    params.push(value);
    return placeholder(firstIndex + params.length - 1);
  };
  if (query.pipe !== undefined) conditions.push(`pipe_name = ${next(query.pipe)}`);
  if (query.pipeHash !== undefined) conditions.push(`pipe_hash = ${next(query.pipeHash)}`);
  if (query.statuses !== undefined) {
    if (query.statuses.length === 0) conditions.push("1 = 0");
    else conditions.push(`status IN (${query.statuses.map((status) => next(status)).join(", ")})`);
  }
  if (query.since !== undefined) conditions.push(`started_at >= ${next(query.since)}`);
  if (query.until !== undefined) conditions.push(`started_at < ${next(query.until)}`);
  if (query.idPrefix !== undefined) {
    conditions.push(`run_id >= ${next(query.idPrefix)} AND run_id < ${next(`${query.idPrefix}\uffff`)}`);
  }
  if (query.threadId !== undefined) conditions.push(`thread_id = ${next(query.threadId)}`);
  if (query.search !== undefined) {
    // Each alternative can read an index (a range of the primary key, the few pipe names, the
    // partial indexes of runs with an error or a failed step: `> ''` is the range that lets SQLite
    // use them, and an empty text cannot contain the needle), so a count need not read every run.
    const needle = query.search.toLowerCase();
    const like = `%${escapeLike(needle)}%`;
    conditions.push(
      `((run_id >= ${next(needle)} AND run_id < ${next(`${needle}\uffff`)})` +
        // The pipe names matching: a loose index scan (one probe of the pipe_name index per name,
        // not a read of every run). Postgres reads an index for `= ANY (ARRAY(subquery))` (an init
        // plan), not for `IN (subquery)`.
        ` OR pipe_name ${dialect === "postgres" ? "= ANY (ARRAY" : "IN "}(WITH RECURSIVE names (name) AS (SELECT min(pipe_name) FROM ${runsTable}` +
        ` UNION ALL SELECT (SELECT min(pipe_name) FROM ${runsTable} WHERE pipe_name > names.name) FROM names WHERE name IS NOT NULL)` +
        ` SELECT name FROM names WHERE lower(name) LIKE ${next(like)} ESCAPE '\\')${dialect === "postgres" ? ")" : ""}` +
        ` OR (error > '' AND lower(error) LIKE ${next(like)} ESCAPE '\\')` +
        ` OR (failed_step > '' AND lower(failed_step) LIKE ${next(like)} ESCAPE '\\'))`,
    );
  }
  return { sql: conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`, params };
}
