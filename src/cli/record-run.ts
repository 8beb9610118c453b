/**
 * For a justpipe without durable runs (no `pipe.resume`): runs a pipe and writes its run record,
 * definition and events through the store's own write API, in batches while it runs (so another
 * process can follow it). With durable runs, `justpipe run` uses `pipe.run(state, { store })`
 * instead, and this file can go.
 */
import type { PipeEvent, PipelineEndData, RunRecord, Store, StoredEvent } from "justpipe";
import type { AnyPipe } from "./load-module.js";

/** Writes at most this many events per batch, or what arrived within {@link FLUSH_MS}. */
const BATCH = 256;
const FLUSH_MS = 50;

function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(
    JSON.stringify(value, (_key, inner: unknown) => {
      if (inner instanceof Error) {
        return {
          name: inner.name,
          message: inner.message,
          stack: inner.stack,
          code: (inner as { code?: unknown }).code,
        };
      }
      if (typeof inner === "bigint") return inner.toString();
      if (inner instanceof Map) return Object.fromEntries(inner);
      if (inner instanceof Set) return [...inner];
      return inner;
    }) ?? "null",
  );
}

/** A runtime event in the store's JSON-safe form, under the stored run id. */
export function toStoredEvent(event: PipeEvent, runId: string): StoredEvent {
  return {
    runId,
    seq: event.seq,
    type: event.type,
    stage: event.stage,
    timestamp: event.timestamp,
    originRunId: event.originRunId === event.runId ? runId : event.originRunId,
    parentRunId: event.parentRunId,
    nodeKind: event.nodeKind,
    invocationId: event.invocationId,
    parentInvocationId: event.parentInvocationId,
    ownerInvocationId: event.ownerInvocationId,
    attempt: event.attempt,
    scope: event.scope,
    meta: jsonSafe(event.meta) as StoredEvent["meta"],
    payload: jsonSafe(event.payload),
  };
}

/** The record of a run, running or ended. */
export function toRunRecord(
  base: {
    runId: string;
    pipeName: string;
    pipeHash: string;
    startedAt: number;
    labels: Record<string, string>;
  },
  end: PipelineEndData | undefined,
  suspend: { reason: string; step: string } | undefined,
  updatedAt: number,
  lastSeq: number,
): RunRecord {
  return {
    runId: base.runId,
    threadId: base.runId,
    resumedFrom: null,
    parentRunId: null,
    pipeName: base.pipeName,
    pipeHash: base.pipeHash,
    status: end?.status ?? "running",
    startedAt: base.startedAt,
    endedAt: end ? base.startedAt + end.durationMs : null,
    durationMs: end?.durationMs ?? null,
    failureKind: end?.failureKind ?? null,
    failureSource: end?.failureSource ?? null,
    failedStep: end?.failedStep ?? null,
    error: end?.error ?? null,
    suspendedStep: suspend?.step ?? null,
    suspendReason: suspend?.reason ?? null,
    end: end
      ? (jsonSafe({ ...end, errors: end.errors.map(({ cause: _, ...record }) => record) }) as PipelineEndData)
      : null,
    labels: base.labels,
    owner: null,
    leaseUntil: null,
    lastSeq,
    updatedAt,
  };
}

/** Runs the pipe and stores it; yields every event to the caller as it comes. */
export async function* recordRun(
  pipe: AnyPipe,
  state: unknown,
  store: Store,
  options: { runId: string; labels: Record<string, string>; signal?: AbortSignal },
): AsyncGenerator<PipeEvent> {
  const description = pipe.describe() as unknown as { name: string; hash: string };
  let base: Parameters<typeof toRunRecord>[0] | undefined;
  let pending: StoredEvent[] = [];
  let suspend: { reason: string; step: string } | undefined;
  let lastSeq = 0;
  // Writes go one after another; a timer flushes what a slow step left waiting.
  let writing: Promise<void> = Promise.resolve();
  const flush = (end?: PipelineEndData): Promise<void> => {
    if (!base) return writing;
    const record = toRunRecord(base, end, suspend, Date.now(), lastSeq);
    const events = pending;
    pending = [];
    writing = writing.then(() => store.write({ run: record, events }));
    return writing;
  };
  const timer = setInterval(() => {
    if (pending.length > 0) flush().catch(() => undefined);
  }, FLUSH_MS);
  try {
    for await (const event of pipe.run(state, options.signal ? { signal: options.signal } : {})) {
      if (!base) {
        base = {
          runId: options.runId,
          pipeName: description.name,
          pipeHash: description.hash,
          startedAt: event.timestamp,
          labels: options.labels,
        };
        const started = base;
        writing = writing.then(() =>
          store.write({
            pipeline: {
              hash: description.hash,
              name: description.name,
              describe: jsonSafe(description) as Record<string, unknown>,
              firstSeen: event.timestamp,
            },
            run: toRunRecord(started, undefined, undefined, Date.now(), 0),
          }),
        );
      }
      if (event.type === "suspend" && !suspend) suspend = event.payload;
      lastSeq = event.seq;
      pending.push(toStoredEvent(event, options.runId));
      if (event.type === "finish" && event.stage === "system") await flush(event.payload);
      else if (pending.length >= BATCH) await flush();
      yield event;
    }
  } finally {
    clearInterval(timer);
    await writing;
  }
}
