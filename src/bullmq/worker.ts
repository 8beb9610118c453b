import { hostname } from "node:os";
import { type Job, Worker } from "bullmq";
import type { Codec, Pipe, Store } from "../index.js";
import { wireCodec } from "./codec.js";
import {
  type ControlMessage,
  errorToWire,
  type JobData,
  MessageKind,
  QueueKeys,
  runIdOfJob,
} from "./protocol.js";
import { bullmqConnection, newClient, type RedisConnection } from "./redis.js";
import { type RunHost, startRunHost } from "./run-host.js";
import { runStepJob, type ServedPipe } from "./run-step.js";
import { StateCache } from "./state-cache.js";
import { STREAM_TTL_MS, TokenWriter } from "./token-writer.js";

/** Options of {@link createWorker}. */
export interface WorkerOptions {
  /** The pipes this worker serves: import them from the same module the callers use. */
  readonly pipes: readonly Pipe<any, any>[];
  /** Where Redis is (ioredis options, a `redis://` URL or an ioredis client). */
  readonly connection: RedisConnection;
  /**
   * The BullMQ queue to take step jobs from.
   * @default "justpipe"
   */
  readonly queue?: string;
  /**
   * BullMQ's key prefix (give each environment or test its own).
   * @default "bull"
   */
  readonly prefix?: string;
  /**
   * Jobs this process runs at once.
   * @default 16
   */
  readonly concurrency?: number;
  /**
   * Builds the `ctx` handlers get, once per pipe in this process (a client, a pool...); it is never
   * shipped between processes.
   * @example
   * ```ts
   * context: () => ({ openai: new OpenAI() })
   * ```
   */
  readonly context?: (pipe: Pipe<any, any>) => unknown;
  /**
   * BullMQ's rate limiter: at most `max` jobs per `duration` ms, across every worker of the queue.
   * @example
   * ```ts
   * limiter: { max: 50, duration: 1000 } // an LLM quota of 50 requests a second
   * ```
   */
  readonly limiter?: { readonly max: number; readonly duration: number };
  /**
   * How long a job's lock lasts without renewal (ms): a worker that dies holds its jobs this long,
   * up to `stalledInterval` more, before another worker runs them again.
   * @default 30000
   */
  readonly lockDuration?: number;
  /**
   * How often workers look for jobs whose worker died (ms).
   * @default 30000
   */
  readonly stalledInterval?: number;
  /**
   * How many times one job may be found stalled before BullMQ fails it (the step then fails with
   * an infrastructure error).
   * @default 3
   */
  readonly maxStalledCount?: number;
  /**
   * Encodes state, items, tokens and deltas; must equal the callers'.
   * @default jsonCodec (the codec of stored runs)
   */
  readonly codec?: Codec;
  /**
   * How long a streaming step waits for the caller to read its tokens before it fails (ms).
   * @default 300000
   */
  readonly creditTimeout?: number;
  /**
   * Hosts detached runs (`pipe.start`) of the served pipes: the run loop runs in this process,
   * writing the run to this store (the one the callers give `start`); when this process dies,
   * another worker with the store takes the run over from its checkpoint. Without it, this worker
   * runs step jobs only.
   * @default none
   */
  readonly store?: Store;
  /**
   * Detached runs this process hosts at once (with a `store`).
   * @default 8
   */
  readonly runConcurrency?: number;
}

/** A running worker process's handle. */
export interface JustpipeWorker {
  /** The underlying BullMQ worker (events, `pause()`, metrics). */
  readonly worker: Worker;
  /** Resolves once the worker takes jobs and listens for cancellations. */
  readonly ready: Promise<void>;
  /** Step jobs this process has run, and stalled jobs it queued again for dead workers. */
  readonly stats: { readonly ran: number; readonly stalledFound: number };
  /**
   * With a `store`: detached runs this process started hosting, and runs it took over from a dead
   * host; `undefined` without a store.
   */
  readonly hosting: RunHost["stats"] | undefined;
  /** Stops taking jobs, waits for the running ones, and closes the connections. */
  close(): Promise<void>;
}

/** Cancellations that arrived before their job started here are remembered this long. */
const EARLY_CANCEL_MS = 60_000;

/**
 * Starts a worker that runs the steps of `pipes` for callers that run them with `bullmqExecutor`.
 * The worker checks each job's pipe hash against its own (a mismatch fails the step with failure
 * kind `infra`), runs the handler on its copy of the state with the worker's `ctx`, streams tokens
 * back, and returns the step's control value and state delta.
 *
 * @example
 * ```ts
 * // worker.ts: run as many copies as you need
 * import { createWorker } from "justpipe/bullmq";
 * import { pipe } from "./pipeline.js";
 * const worker = createWorker({ pipes: [pipe], connection: process.env.REDIS_URL!, concurrency: 32 });
 * process.on("SIGTERM", () => worker.close());
 * ```
 */
export function createWorker(options: WorkerOptions): JustpipeWorker {
  const queue = options.queue ?? "justpipe";
  const prefix = options.prefix ?? "bull";
  const codec = wireCodec(options.codec);
  const keys = new QueueKeys(prefix, queue);
  const pipes = servePipes(options);
  const commands = newClient(options.connection, `justpipe-worker:${queue}`);
  const subscriber = newClient(options.connection, `justpipe-worker-control:${queue}`);
  const writers = new Map<string, TokenWriter>();
  const earlyCancels = new Map<string, number>();
  const executionPrefix = `${hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
  const stats = { ran: 0, stalledFound: 0 };
  let executions = 0;
  const environment = {
    pipes,
    codec,
    creditTimeoutMs: options.creditTimeout ?? 300_000,
    states: new StateCache(commands, keys, codec),
  };

  const worker = new Worker(
    queue,
    async (job: Job, _token?: string, signal?: AbortSignal) => {
      const data = job.data as JobData;
      const jobId = job.id!;
      // BullMQ's signal aborts when the job is cancelled here (a caller's cancel message).
      const jobSignal = signal ?? new AbortController().signal;
      const cancelledAt = earlyCancels.get(jobId);
      if (cancelledAt !== undefined) {
        earlyCancels.delete(jobId);
        return;
      }
      const execution = `${executionPrefix}/${++executions}`;
      const writer = new TokenWriter(
        commands,
        keys.runStream(runIdOfJob(jobId)),
        jobId,
        execution,
        codec,
        data.window,
      );
      writers.set(jobId, writer);
      stats.ran++;
      try {
        // How often BullMQ found this job stalled: the caller counts the re-executions by it even when
        // the stalled notice reaches it after the result.
        await runStepJob(data, jobSignal, writer, environment, job.stalledCounter ?? 0, runIdOfJob(jobId));
      } finally {
        writers.delete(jobId);
      }
    },
    {
      connection: bullmqConnection(options.connection),
      prefix,
      concurrency: options.concurrency ?? 16,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.stalledInterval ?? 30_000,
      maxStalledCount: options.maxStalledCount ?? 3,
      ...(options.limiter === undefined ? {} : { limiter: { ...options.limiter } }),
    },
  );

  worker.on("stalled", (jobId: string) => {
    stats.stalledFound++;
    const stream = keys.runStream(runIdOfJob(jobId));
    commands
      .multi()
      .xadd(stream, "*", "j", jobId, "x", "", "k", MessageKind.STALLED)
      .pexpire(stream, STREAM_TTL_MS)
      .exec()
      .catch(() => {});
  });
  worker.on("failed", (job: Job | undefined, error: Error) => {
    if (job?.id === undefined) return;
    const stream = keys.runStream(runIdOfJob(job.id));
    const wire = errorToWire(
      new Error(
        `BullMQ failed the step's job ${job.id}: ${error.message}. Its worker probably died more often than maxStalledCount allows.`,
      ),
    );
    commands
      .multi()
      .xadd(stream, "*", "j", job.id, "x", "", "k", MessageKind.ERROR, "d", JSON.stringify(wire))
      .pexpire(stream, STREAM_TTL_MS)
      .exec()
      .catch(() => {});
  });
  worker.on("error", () => {}); // connection errors are retried by ioredis; BullMQ reports them here

  subscriber.on("message", (_channel: string, text: string) => {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      return;
    }
    if (message.c === "ack") {
      const writer = writers.get(message.job);
      if (writer !== undefined && writer.execution === message.x) writer.acknowledge(message.n);
      return;
    }
    if (!worker.cancelJob(message.job, message.reason)) {
      const now = Date.now();
      earlyCancels.set(message.job, now);
      for (const [job, at] of earlyCancels) if (now - at > EARLY_CANCEL_MS) earlyCancels.delete(job);
    }
  });
  const runHost =
    options.store === undefined
      ? undefined
      : startRunHost({
          pipes,
          store: options.store,
          connection: options.connection,
          queue,
          prefix,
          codec: options.codec,
          concurrency: options.runConcurrency ?? 8,
          lockDuration: options.lockDuration ?? 30_000,
          stalledInterval: options.stalledInterval ?? 30_000,
          maxStalledCount: options.maxStalledCount ?? 3,
        });
  const ready = Promise.all([
    subscriber.subscribe(keys.control),
    worker.waitUntilReady(),
    runHost?.worker.waitUntilReady(),
  ]).then(() => {});
  ready.catch(() => {});

  return {
    worker,
    ready,
    stats,
    hosting: runHost?.stats,
    async close() {
      // Hosted runs first (they end before the host closes), while this process still runs steps.
      await runHost?.close();
      await worker.close();
      await Promise.allSettled([subscriber.quit(), commands.quit()]);
    },
  };
}

function servePipes(options: WorkerOptions): Map<string, ServedPipe> {
  if (!Array.isArray(options.pipes) || options.pipes.length === 0) {
    throw new TypeError(
      "Expected `pipes` to be a non-empty array of the Pipes this worker runs, got " +
        `\`${String(options.pipes)}\`.`,
    );
  }
  const served = new Map<string, ServedPipe>();
  for (const pipe of options.pipes) {
    if (served.has(pipe.name)) {
      throw new TypeError(
        `Two pipes named '${pipe.name}' were given to createWorker: jobs name their pipe, so names must be unique.`,
      );
    }
    const hash = pipe.hash();
    const compiled = pipe._compile(undefined);
    let context: Promise<unknown> | undefined;
    served.set(pipe.name, {
      pipe,
      hash,
      handlers: compiled.handlers,
      context: () => {
        context ??= Promise.resolve(options.context?.(pipe));
        return context;
      },
    });
  }
  return served;
}
