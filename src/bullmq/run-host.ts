import { type Job, Worker } from "bullmq";
import {
  type Codec,
  DefinitionMismatchError,
  jsonCodec,
  type PipelineEndData,
  RunLockedError,
  RunNotResumableError,
  type RunRecord,
  type Store,
  type StoredEvent,
  serializeError,
} from "../index.js";
import { sleepUnlessAborted } from "../store/follow.js";
import { type BullmqExecutor, type BullmqExecutorOptions, hostExecutor } from "./executor.js";
import { bullmqConnection, type RedisConnection } from "./redis.js";
import { type RunJobData, runQueueName } from "./run-protocol.js";
import type { ServedPipe } from "./run-step.js";

/** Read entries of a hosted run's stream are trimmed once they are this old (ms). */
const TRIM_LAG_MS = 60_000;

/** What a worker that hosts detached runs needs (from `createWorker`'s options). */
export interface RunHostOptions {
  readonly pipes: ReadonlyMap<string, ServedPipe>;
  readonly store: Store;
  readonly connection: RedisConnection;
  readonly queue: string;
  readonly prefix: string;
  readonly codec: Codec | undefined;
  readonly concurrency: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly maxStalledCount: number;
}

/** A worker's run host: the BullMQ worker of the run queue, and what it did. */
export interface RunHost {
  readonly worker: Worker;
  /** Runs hosted from their start, and runs taken over from a dead host. */
  readonly stats: { readonly started: number; readonly takenOver: number };
  close(): Promise<void>;
}

/**
 * Hosts detached runs (`pipe.start`): takes run jobs from the run queue and runs each run's loop
 * here, with checkpoints, its steps going to step jobs as usual. A run job whose host died is given
 * to another host by BullMQ's stalled-job recovery; that host waits for the dead one's lease on the
 * run to expire, then resumes the run from its checkpoint with an executor that re-attaches to the
 * step jobs the dead host had dispatched.
 */
export function startRunHost(options: RunHostOptions): RunHost {
  const stats = { started: 0, takenOver: 0 };
  const executors = new Map<string, BullmqExecutor>();
  const executorOptions = (data: RunJobData): BullmqExecutorOptions => ({
    connection: options.connection,
    queue: options.queue,
    prefix: options.prefix,
    tokenWindow: data.window,
    ...(options.codec === undefined ? {} : { codec: options.codec }),
    ...(data.steps === undefined ? {} : { steps: data.steps }),
  });
  // Runs started here share an executor per step routing; a taken-over run gets its own.
  const sharedExecutor = (data: RunJobData): BullmqExecutor => {
    const key = JSON.stringify([data.steps ?? null, data.window]);
    let executor = executors.get(key);
    if (executor === undefined) {
      executor = hostExecutor(executorOptions(data), { reattach: false, trimLagMs: TRIM_LAG_MS });
      executors.set(key, executor);
    }
    return executor;
  };
  const host = {
    options,
    stats,
    sharedExecutor,
    reattachingExecutor: (data: RunJobData) =>
      hostExecutor(executorOptions(data), { reattach: true, trimLagMs: TRIM_LAG_MS }),
  };
  const worker = new Worker(
    runQueueName(options.queue),
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      await hostRun(host, job.data as RunJobData, signal);
    },
    {
      connection: bullmqConnection(options.connection),
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDuration,
      stalledInterval: options.stalledInterval,
      maxStalledCount: options.maxStalledCount,
    },
  );
  worker.on("error", () => {}); // connection errors are retried by ioredis; BullMQ reports them here
  return {
    worker,
    stats,
    async close() {
      await worker.close();
      await Promise.allSettled([...executors.values()].map((executor) => executor.close()));
      executors.clear();
    },
  };
}

interface Host {
  readonly options: RunHostOptions;
  readonly stats: { started: number; takenOver: number };
  sharedExecutor(data: RunJobData): BullmqExecutor;
  reattachingExecutor(data: RunJobData): BullmqExecutor;
}

/** Hosts one run to its end (or finds it ended). */
async function hostRun(host: Host, data: RunJobData, signal: AbortSignal | undefined): Promise<void> {
  const { store, pipes } = host.options;
  const codec = host.options.codec ?? jsonCodec;
  for (;;) {
    if (signal?.aborted) return;
    const head = await headSegment(store, data.runId);
    if (head === undefined || head.status !== "running") return; // deleted, or ended already
    const now = Date.now();
    if (head.owner !== null && head.leaseUntil !== null && head.leaseUntil > now) {
      // Hosted elsewhere, or its dead host's lease has not expired yet.
      await sleepUnlessAborted(Math.min(head.leaseUntil - now + 20, data.leaseTtl ?? 30_000), signal);
      continue;
    }
    const served = pipes.get(data.pipeName);
    if (served === undefined || served.hash !== data.pipeHash || codec.name !== data.codec) {
      const error =
        codec.name !== data.codec
          ? new Error(
              `Run '${data.runId}' stored its state with codec '${data.codec}' but this worker uses '${codec.name}'. Give the workers the codec the caller used.`,
            )
          : new DefinitionMismatchError(data.pipeName, data.pipeHash, served?.hash, [...pipes.keys()]);
      if (await failRun(store, head, error)) return;
      continue;
    }
    const takeover = head.owner !== null || head.resumedFrom !== null || head.lastSeq > 0;
    const executor = takeover ? host.reattachingExecutor(data) : host.sharedExecutor(data);
    try {
      if (takeover) host.stats.takenOver++;
      else host.stats.started++;
      const options = {
        store,
        executor,
        codec,
        context: await served.context(),
        durability: data.durability,
        ...(data.timeout === undefined ? {} : { timeout: data.timeout }),
        ...(data.leaseTtl === undefined ? {} : { leaseTtl: data.leaseTtl }),
        ...(data.tokens === undefined ? {} : { persist: { tokens: data.tokens } }),
      };
      for await (const _event of served.pipe.resume(head.runId, options as never)) {
        // The run stores its events; nobody reads them here.
      }
      return;
    } catch (error) {
      // Another host claimed it between the look and the claim: look again.
      if (error instanceof RunLockedError) continue;
      if (error instanceof RunNotResumableError && error.status === "running") {
        const now = await headSegment(store, data.runId);
        const held = now?.owner != null && now.leaseUntil !== null && now.leaseUntil > Date.now();
        // Nobody holds it and it still cannot be resumed (no checkpoint): it can never run.
        if (now?.runId === head.runId && !held) await failRun(store, head, error);
        continue;
      }
      // The run cannot be resumed here at all (its checkpoint cannot be decoded, the store refuses
      // it...): end it as an infra failure rather than leave it "running" with no host.
      if (error instanceof Error && (await failRun(store, head, error).catch(() => false))) return;
      throw error;
    } finally {
      if (takeover) await executor.close();
    }
  }
}

/** The last segment of a run's resume chain: the one that continues it now. */
async function headSegment(store: Store, runId: string): Promise<RunRecord | undefined> {
  const first = await store.getRun(runId);
  if (first === undefined) return undefined;
  const thread = await store.listRuns({ threadId: first.threadId, limit: 10_000 });
  let head = first;
  for (;;) {
    const next = thread.find((segment) => segment.resumedFrom === head.runId);
    if (next === undefined) return head;
    head = next;
  }
}

/**
 * Ends a run this worker cannot host (another definition, another codec) as failed with failure
 * kind `infra`: a `STEP_ERROR` and a `FINISH`, so `observe()` ends. False when another host holds
 * the run.
 */
async function failRun(store: Store, stored: RunRecord, error: Error): Promise<boolean> {
  let run = stored;
  const owner = `run host pid ${process.pid}`;
  if (!(await store.claim(run.runId, owner, 30_000))) return false;
  const current = await store.getRun(run.runId);
  if (current?.status !== "running") return true; // it ended meanwhile: nothing to fail
  run = current;
  const now = Date.now();
  const end: PipelineEndData = {
    status: "failed",
    durationMs: 0,
    error: error.message,
    failureKind: "infra",
    failureSource: "framework",
    errors: [{ kind: "infra", source: "framework", reason: "internal_error", error: error.message }],
  };
  const event = (seq: number, type: "step_error" | "finish", payload: unknown): StoredEvent => ({
    runId: run.runId,
    seq,
    type: type as StoredEvent["type"],
    stage: "system",
    timestamp: now,
    originRunId: run.runId,
    parentRunId: null,
    nodeKind: "system" as StoredEvent["nodeKind"],
    invocationId: null,
    parentInvocationId: null,
    ownerInvocationId: null,
    attempt: 1,
    scope: [],
    meta: null,
    payload,
  });
  await store.write({
    run: {
      ...run,
      status: "failed",
      endedAt: now,
      durationMs: now - run.startedAt,
      failureKind: "infra",
      failureSource: "framework",
      error: error.message,
      end,
    },
    events: [
      event(run.lastSeq + 1, "step_error", {
        message: error.message,
        error: serializeError(error),
        retrying: false,
      }),
      event(run.lastSeq + 2, "finish", end),
    ],
  });
  return true;
}
