// A run's events and its FINISH payload in their stored (JSON-safe) form.
import type { PipelineEndData } from "../events/outcome.js";
import { toJsonEvent } from "../events/serialize.js";
import type { PipeEvent } from "../events/types.js";
import type { RunRecord, StoredEvent } from "../store/records.js";
import type { RunEvent } from "./run-event.js";

/**
 * An event in its stored form: thrown values keep name, message, stack, code and cause
 * (`toJsonEvent`), everything else is JSON-safe.
 *
 * @param event - the event as emitted.
 */
export function toStoredEvent(event: RunEvent): StoredEvent {
  const json = toJsonEvent(event as unknown as PipeEvent) as unknown as StoredEvent;
  return {
    runId: json.runId,
    seq: json.seq,
    type: json.type,
    stage: json.stage,
    timestamp: json.timestamp,
    originRunId: json.originRunId,
    parentRunId: json.parentRunId ?? null,
    nodeKind: json.nodeKind,
    invocationId: json.invocationId ?? null,
    parentInvocationId: json.parentInvocationId ?? null,
    ownerInvocationId: json.ownerInvocationId ?? null,
    attempt: json.attempt,
    scope: json.scope ?? [],
    meta: json.meta ?? null,
    payload: json.payload,
  };
}

/** The `FINISH` payload without the thrown values (`errors[].cause`), which are not data. */
export function storableEnd(end: PipelineEndData): PipelineEndData {
  return { ...end, errors: end.errors.map(({ cause: _cause, ...record }) => record) };
}

/**
 * The run record's fields that follow from its end.
 *
 * @param end - the `FINISH` payload.
 * @param suspended - where the run suspended, if it did.
 */
export function finalRecordFields(
  end: PipelineEndData,
  suspended: { readonly step: string; readonly reason: string } | undefined,
): Partial<RunRecord> {
  const primary = end.status === "failed" ? end : undefined;
  return {
    status: end.status,
    endedAt: Date.now(),
    durationMs: end.durationMs,
    failureKind: end.failureKind,
    failureSource: end.failureSource,
    failedStep: primary?.failedStep ?? null,
    error: primary?.error ?? null,
    suspendedStep: end.status === "suspended" ? (suspended?.step ?? null) : null,
    suspendReason: end.status === "suspended" ? (suspended?.reason ?? null) : null,
  };
}
