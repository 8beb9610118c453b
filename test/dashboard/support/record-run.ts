// Runs a real pipe and writes what a durable run would store: the pipeline's describe(), the run
// record (running, then its end) and every event. Until `pipe.run(state, { store })` exists
// (issue 14), this is how the dashboard's tests fill a store.
import { EventType, type Pipe, type PipeEvent, type PipelineEndData } from "justpipe";
import type { RunRecord } from "../../../src/dashboard/index.js";
import type { MemoryReader } from "./memory-reader.js";

export interface RecordOptions {
  /** Write events as they come (a live run), in batches of this many; default: all at the end. */
  readonly batch?: number;
  /** Called after each written batch (a live test can look at the page). */
  readonly afterBatch?: () => Promise<void>;
  readonly startedAt?: number;
  readonly resumedFrom?: string;
  readonly threadId?: string;
}

export async function recordRun<State extends object>(
  store: MemoryReader,
  pipe: Pipe<State>,
  state: State,
  options: RecordOptions = {},
): Promise<RunRecord> {
  const describe = pipe.describe();
  await store.write({
    pipeline: {
      hash: describe.hash,
      name: describe.name,
      describe: describe as unknown as Record<string, unknown>,
      firstSeen: Date.now(),
    },
  });
  const events: PipeEvent[] = [];
  let pending: PipeEvent[] = [];
  let run: RunRecord | undefined;
  let suspend: { step: string; reason: string } | undefined;
  for await (const event of pipe.run(state)) {
    events.push(event);
    pending.push(event);
    if (run === undefined) run = runningRecord(event, describe.hash, describe.name, options);
    if (event.type === EventType.SUSPEND) suspend = event.payload;
    if (options.batch !== undefined && pending.length >= options.batch) {
      await store.write({ run: { ...run, lastSeq: event.seq }, events: pending });
      pending = [];
      await options.afterBatch?.();
    }
  }
  const finish = events.findLast((event) => event.type === EventType.FINISH);
  const end = finish?.payload as PipelineEndData;
  const startedAt = run!.startedAt;
  const ended: RunRecord = {
    ...run!,
    lastSeq: events.at(-1)!.seq,
    updatedAt: Date.now(),
    status: end.status,
    endedAt: startedAt + end.durationMs,
    durationMs: end.durationMs,
    failureKind: end.failureKind,
    failureSource: end.failureSource,
    failedStep: end.failedStep ?? null,
    error: end.error ?? null,
    suspendedStep: suspend?.step ?? null,
    suspendReason: suspend?.reason ?? null,
    end,
  };
  await store.write({ run: ended, events: pending });
  return ended;
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
    startedAt: options.startedAt ?? event.timestamp,
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
    lastSeq: event.seq,
    updatedAt: event.timestamp,
  };
}
