import type { Checkpoint, PipelineRecord, RunRecord, StoredEvent } from "../../src/index.js";

/** A run record with defaults for every field. */
export function makeRun(overrides: Partial<RunRecord> & { runId: string }): RunRecord {
  return {
    threadId: overrides.runId,
    resumedFrom: null,
    parentRunId: null,
    pipeName: "ingest",
    pipeHash: "hash-ingest",
    status: "running",
    startedAt: 1_000,
    endedAt: null,
    durationMs: null,
    failureKind: null,
    failureSource: null,
    failedStep: null,
    error: null,
    suspendedStep: null,
    suspendReason: null,
    end: null,
    labels: {},
    owner: null,
    leaseUntil: null,
    lastSeq: 0,
    updatedAt: 0,
    ...overrides,
  };
}

/** A stored event of a run. */
export function makeEvent(runId: string, seq: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    runId,
    seq,
    type: "step_start",
    stage: "fetch",
    timestamp: 1_000 + seq,
    originRunId: runId,
    parentRunId: null,
    nodeKind: "step",
    invocationId: `${runId}:${seq}`,
    parentInvocationId: null,
    ownerInvocationId: `${runId}:${seq}`,
    attempt: 1,
    scope: [],
    meta: null,
    payload: undefined,
    ...overrides,
  };
}

/** A pipeline record. */
export function makePipeline(hash = "hash-ingest", name = "ingest"): PipelineRecord {
  return { hash, name, describe: { name, hash, steps: [{ name: "fetch", kind: "step" }] }, firstSeen: 500 };
}

/** A checkpoint of a run. */
export function makeCheckpoint(run: RunRecord, overrides: Partial<Checkpoint> = {}): Checkpoint {
  return {
    v: 1,
    runId: run.runId,
    threadId: run.threadId,
    pipeHash: run.pipeHash,
    seq: 3,
    writtenAt: 2_000,
    reason: "suspend",
    quiescent: true,
    codec: "json",
    state: '{"count":1}',
    frontier: {
      ready: [],
      inFlight: [
        {
          step: "fetch",
          invocationId: `${run.runId}:2`,
          parentInvocationId: null,
          ownerInvocationId: null,
          scope: [],
          attempt: 1,
          lineage: `${run.runId}:2`,
        },
      ],
      barriers: [{ target: "join", type: "all", arrived: ["a"], waitingSince: 1_500 }],
      maps: [],
      attempts: { [`${run.runId}:2`]: 1 },
      suspended: { step: "approve", invocationId: `${run.runId}:3`, reason: "needs a human", at: 1_900 },
    },
    ...overrides,
  };
}
