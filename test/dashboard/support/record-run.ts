// Runs a real pipe and writes what a durable run stores, through the Store's write API: the
// pipeline's describe(), the run record (running, then its end), every event, and a checkpoint of
// the final state. (Until `pipe.run(state, { store })` lands, this is how the dashboard's tests
// and benchmark fill a store.)
import {
  EventType,
  jsonCodec,
  type Pipe,
  type PipeEvent,
  type PipelineEndData,
  type RunRecord,
  type Store,
  type StoredEvent,
} from "justpipe";

export interface RecordOptions {
  /** Write events as they come (a live run), in batches of this many; default: all at the end. */
  readonly batch?: number;
  /** Called after each written batch (a live test can look at the page). */
  readonly afterBatch?: () => Promise<void>;
  readonly resumedFrom?: string;
  readonly threadId?: string;
}

export async function recordRun<State extends object>(
  store: Store,
  pipe: Pipe<State>,
  state: State,
  options: RecordOptions = {},
): Promise<RunRecord> {
  const describe = pipe.describe();
  const pipeline = {
    hash: describe.hash,
    name: describe.name,
    describe: describe as unknown as Record<string, unknown>,
    firstSeen: Date.now(),
  };
  const events: PipeEvent[] = [];
  let pending: StoredEvent[] = [];
  let run: RunRecord | undefined;
  let suspend: { step: string; reason: string } | undefined;
  for await (const event of pipe.run(state)) {
    events.push(event);
    if (run === undefined) {
      run = runningRecord(event, pipeline.hash, pipeline.name, options);
      await store.createRun(run, pipeline);
    }
    pending.push(toStored(event));
    if (event.type === EventType.SUSPEND) suspend = event.payload;
    if (options.batch !== undefined && pending.length >= options.batch) {
      await store.write({ events: pending });
      pending = [];
      await options.afterBatch?.();
    }
  }
  const end = events.findLast((event) => event.type === EventType.FINISH)!.payload as PipelineEndData;
  const ended: RunRecord = {
    ...run!,
    status: end.status,
    endedAt: run!.startedAt + end.durationMs,
    durationMs: end.durationMs,
    failureKind: end.failureKind,
    failureSource: end.failureSource,
    failedStep: end.failedStep ?? null,
    error: end.error ?? null,
    suspendedStep: suspend?.step ?? null,
    suspendReason: suspend?.reason ?? null,
    end,
  };
  const last = events.at(-1)!;
  await store.write({
    run: ended,
    events: pending,
    checkpoint: {
      v: 1,
      runId: ended.runId,
      threadId: ended.threadId,
      pipeHash: ended.pipeHash,
      seq: last.seq,
      writtenAt: last.timestamp,
      reason: end.status === "success" ? "finish" : end.status === "suspended" ? "suspend" : "failure",
      quiescent: true,
      codec: jsonCodec.name,
      state: jsonCodec.encode(state),
      frontier: { ready: [], inFlight: [], barriers: [], maps: [], attempts: {} },
    },
  });
  return (await store.getRun(ended.runId))!;
}

/** A live event as the store keeps it: JSON-safe (errors become their name, message and stack). */
function toStored(event: PipeEvent): StoredEvent {
  return JSON.parse(
    JSON.stringify(event, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value,
    ),
  ) as StoredEvent;
}

function runningRecord(event: PipeEvent, hash: string, name: string, options: RecordOptions): RunRecord {
  return {
    runId: event.runId,
    threadId: options.threadId ?? event.runId,
    resumedFrom: options.resumedFrom ?? null,
    parentRunId: null,
    pipeName: name,
    pipeHash: hash,
    status: "running",
    startedAt: event.timestamp,
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
    updatedAt: event.timestamp,
  };
}
