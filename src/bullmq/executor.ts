import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import {
  type DetachedRunRequest,
  type ExecutorMessage,
  type MetaOperation,
  type StateDelta,
  type StepExecutor,
  type StepTask,
  Stop,
  Suspend,
} from "../index.js";
import { type WireCodec, wireCodec } from "./codec.js";
import type { BullmqExecutorOptions } from "./executor-options.js";
import {
  type ControlMessage,
  errorFromWire,
  type JobData,
  MessageKind,
  QueueKeys,
  runIdOfJob,
  type StateRef,
  type WireControl,
  type WireError,
} from "./protocol.js";
import { alreadyDispatched } from "./reattach.js";
import { bullmqConnection, newClient } from "./redis.js";
import { enqueueRun, runQueueName, stableJobId } from "./run-protocol.js";
import { RunStream, type StreamEntry } from "./run-stream.js";
import { StateShare } from "./state-share.js";
import type { StreamRetention } from "./stream-retention.js";

export type { BullmqExecutorOptions } from "./executor-options.js";

/** The BullMQ executor: what {@link bullmqExecutor} returns. */
export interface BullmqExecutor extends StepExecutor {
  /** The BullMQ queue jobs are added to (counts, pause, obliterate). */
  readonly queue: Queue;
  /**
   * Jobs dispatched, re-executions after a worker died (`infraRetries`), tasks not yet finished
   * (`outstanding`: 0 once every run using the executor has ended), and state snapshots written to
   * Redis (`snapshots`: jobs carry a reference to the state, see docs/scale-out.md).
   */
  readonly stats: {
    readonly dispatched: number;
    readonly infraRetries: number;
    readonly outstanding: number;
    /** Tasks of a run taken over from a dead host that found their job (or its result) in Redis. */
    readonly reattached: number;
    readonly snapshots: number;
  };
  /** Waits for pending cancellations, then closes the queue and the Redis connections. */
  close(): Promise<void>;
}

/** A run stream stays open this long after its last task, for the run's next steps. */
const LINGER_MS = 1_000;

/**
 * Runs steps in worker processes through a BullMQ queue. The process that calls `run` keeps the run
 * loop (barriers, routing, retries, timeouts, events); each step invocation or map item becomes one
 * job with a deterministic id (`runId:invocationId:attempt`), carrying a copy of the state; tokens
 * and the result (a state delta) come back through a per-run Redis stream.
 *
 * @example
 * ```ts
 * const executor = bullmqExecutor({ connection: "redis://127.0.0.1:6379", queue: "jp" });
 * for await (const event of pipe.run(state, { executor })) console.log(event.type);
 * await executor.close();
 * ```
 */
export function bullmqExecutor(options: BullmqExecutorOptions): BullmqExecutor {
  return new BullmqStepExecutor(options);
}

/** How a run host's executor differs from a caller's (internal to `justpipe/bullmq`). */
export interface HostedExecution extends StreamRetention {
  /**
   * The runs it executes were taken over from a dead host: before dispatching a task, look for
   * its job (queued or running) or its result (in the run's stream), and attach to that instead.
   */
  readonly reattach: boolean;
}

/** The executor a worker hosting detached runs uses for their steps. */
export function hostExecutor(options: BullmqExecutorOptions, hosted: HostedExecution): BullmqExecutor {
  return new BullmqStepExecutor(options, hosted);
}

class BullmqStepExecutor implements BullmqExecutor {
  readonly name = "bullmq";
  readonly queue: Queue;
  readonly stats = { dispatched: 0, infraRetries: 0, outstanding: 0, reattached: 0, snapshots: 0 };
  readonly #options: BullmqExecutorOptions;
  readonly #codec: WireCodec;
  readonly #keys: QueueKeys;
  readonly #steps: ReadonlySet<string> | undefined;
  readonly #window: number;
  readonly #streams = new Map<string, RunStream>();
  readonly #shares = new Map<string, StateShare>();
  /** The queue's own connection: state snapshots and deltas go through it, before the jobs. */
  #jobs: Redis | undefined;
  /** Jobs to add at the end of this event-loop turn, in one command (see {@link #addSoon}). */
  #adds: PendingAdd[] = [];
  /** Runs whose journal has deltas to write before those jobs. */
  readonly #unflushed = new Set<StateShare>();
  readonly #idle: Redis[] = [];
  readonly #pending = new Set<Promise<unknown>>();
  readonly #hosted: HostedExecution | undefined;
  #commands: Redis | undefined;
  #configured: Promise<void> | undefined;
  #runQueue: Queue | undefined;
  #closed = false;

  constructor(options: BullmqExecutorOptions, hosted?: HostedExecution) {
    const window = options.tokenWindow ?? 1000;
    if (!Number.isInteger(window) || window < 1) {
      throw new TypeError(
        `Expected \`tokenWindow\` to be an integer >= 1, got \`${String(window)}\` (${typeof window}).`,
      );
    }
    this.#options = options;
    this.#hosted = hosted;
    this.#codec = wireCodec(options.codec);
    this.#window = window;
    this.#steps = options.steps === undefined ? undefined : new Set(options.steps);
    const prefix = options.prefix ?? "bull";
    const queue = options.queue ?? "justpipe";
    this.#keys = new QueueKeys(prefix, queue);
    this.queue = new Queue(queue, { connection: bullmqConnection(options.connection), prefix });
  }

  runs(step: string, kind: string): boolean {
    if (kind === "map" || kind === "sub") return false;
    return this.#steps === undefined || this.#steps.has(step);
  }

  async *execute(task: StepTask, signal: AbortSignal): AsyncGenerator<ExecutorMessage, void, undefined> {
    if (this.#closed) throw new Error("This bullmqExecutor was closed; create a new one to run steps.");
    if (signal.aborted) {
      yield { type: "error", error: signal.reason };
      return;
    }
    const jobId = stableJobId(task);
    this.stats.outstanding++;
    const streamKey = runIdOfJob(jobId);
    const stream = this.#streamFor(streamKey);
    const channel = stream.open(jobId);
    const onAbort = () => channel.close();
    // One listener per outstanding task on the run's signal (a map has up to maxConcurrency): the
    // run lifts Node's listener limit on its own signal. (Node 20's getMaxListeners throws for a
    // signal whose limit is 0, so it is not asked here.)
    signal.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    try {
      await this.#configure();
      // The state in Redis is the thread's, like the stream: a run taken over from a dead host
      // writes a newer snapshot over the dead host's, and jobs that host dispatched read it.
      const share = this.#shareFor(streamKey);
      if (this.#hosted?.reattach && (await alreadyDispatched(this.queue, stream, channel, jobId)))
        this.stats.reattached++;
      else {
        const jobs = this.#jobs!;
        const snapshots = share.snapshots;
        const state = share.reference(jobs, task.state, task.stateEpoch);
        this.stats.snapshots += share.snapshots - snapshots;
        await this.#addSoon(`${task.pipeName}/${task.step}`, this.#jobData(task, state), jobId);
        this.stats.dispatched++;
      }
      let execution: string | undefined;
      let consumed = 0;
      let acknowledged = 0;
      // A restart is seen twice (BullMQ's stalled notice, and tokens of a new execution, in either
      // order); announce it once.
      let stallsSeen = 0;
      let switchesSeen = 0;
      let restartsCounted = 0;
      for (;;) {
        const next = channel.next();
        const entry: StreamEntry | undefined = next instanceof Promise ? await next : next;
        if (entry === undefined) break; // aborted
        if (entry.kind === MessageKind.STALLED) {
          if (switchesSeen > 0) switchesSeen--;
          else {
            stallsSeen++;
            restartsCounted++;
            this.stats.infraRetries++;
            yield { type: "restarted", reason: "stalled" };
          }
          continue;
        }
        if (entry.kind === MessageKind.TOKENS) {
          if (execution !== entry.execution) {
            if (entry.first !== 0) continue; // late tokens of an execution that was replaced
            if (execution !== undefined) {
              if (stallsSeen > 0) stallsSeen--;
              else {
                switchesSeen++;
                restartsCounted++;
                this.stats.infraRetries++;
                yield { type: "restarted", reason: "stalled" };
              }
            }
            execution = entry.execution;
            consumed = 0;
            acknowledged = 0;
          }
          for (const token of this.#codec.decode(entry.data) as unknown[]) {
            yield { type: "token", value: token };
            consumed++;
            if (consumed - acknowledged >= this.#window / 2) {
              acknowledged = consumed;
              this.#publish({ c: "ack", job: jobId, x: execution, n: consumed });
            }
          }
          continue;
        }
        settled = true;
        // Restarts whose stalled notice has not arrived (it may come after the result) count now.
        for (; restartsCounted < entry.restarts; restartsCounted++) {
          this.stats.infraRetries++;
          yield { type: "restarted", reason: "stalled" };
        }
        const meta =
          entry.meta === undefined ? {} : { meta: this.#codec.decode(entry.meta) as MetaOperation[] };
        if (entry.kind === MessageKind.ERROR) {
          yield { type: "error", error: errorFromWire(JSON.parse(entry.data) as WireError), ...meta };
          return;
        }
        const control = fromWireControl(this.#codec.decode(entry.data) as WireControl);
        const encoded = entry.delta;
        if (encoded === undefined) {
          yield { type: "result", control, delta: { operations: [] }, ...meta };
          return;
        }
        const delta = this.#codec.decode(encoded) as StateDelta;
        // Once applied to the run's state, the delta joins the run's journal for the workers.
        const applied = () => {
          if (share.applied(encoded)) this.#unflushed.add(share);
        };
        yield { type: "result", control, delta, applied, ...meta };
        return;
      }
      yield { type: "error", error: signal.reason };
    } finally {
      this.stats.outstanding--;
      signal.removeEventListener("abort", onAbort);
      stream.forget(jobId);
      this.#release(streamKey, stream);
      if (!settled) this.#track(this.#cancel(jobId, signal.reason));
    }
  }

  /** Queues a detached run (`pipe.start`) for a worker created with a `store` to host. */
  async startRun(request: DetachedRunRequest): Promise<void> {
    if (this.#closed) throw new Error("This bullmqExecutor was closed; create a new one to start runs.");
    const { prefix = "bull", queue = "justpipe", connection, steps } = this.#options;
    this.#runQueue ??= new Queue(runQueueName(queue), { connection: bullmqConnection(connection), prefix });
    await enqueueRun(this.#runQueue, {
      ...request,
      v: 1,
      window: this.#window,
      ...(steps === undefined ? {} : { steps: [...steps] }),
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#runQueue?.close();
    await Promise.allSettled([...this.#pending]);
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    for (const runId of [...this.#shares.keys()]) this.#dropShare(runId);
    await Promise.allSettled([...this.#pending]);
    const connections = await Promise.all(
      streams.map((stream) => {
        clearTimeout(stream.lingerTimer);
        return stream.close();
      }),
    );
    await Promise.allSettled([...connections, ...this.#idle].map((connection) => connection.quit()));
    await this.queue.close();
    await this.#commands?.quit().catch(() => {});
  }

  #jobData(task: StepTask, state: StateRef): JobData {
    const codec = this.#codec;
    return {
      v: 2,
      pipe: task.pipeName,
      hash: task.pipeHash,
      step: task.step,
      kind: task.kind,
      runId: task.runId,
      invocationId: task.invocationId,
      attempt: task.attempt,
      idempotencyKey: task.idempotencyKey,
      codec: codec.name,
      state,
      ...(task.item === undefined ? {} : { item: codec.encode(task.item) }),
      ...(task.deadline === undefined ? {} : { deadline: task.deadline }),
      window: this.#window,
    };
  }

  #commandClient(): Redis {
    this.#commands ??= newClient(this.#options.connection, "justpipe-executor");
    return this.#commands;
  }

  #configure(): Promise<void> {
    this.#configured ??= (async () => {
      const { globalConcurrency, rateLimit } = this.#options;
      if (globalConcurrency !== undefined) await this.queue.setGlobalConcurrency(globalConcurrency);
      if (rateLimit !== undefined) await this.queue.setGlobalRateLimit(rateLimit.max, rateLimit.duration);
      this.#jobs = (await this.queue.getBackend().client) as unknown as Redis;
    })();
    return this.#configured;
  }

  #streamFor(runId: string): RunStream {
    let stream = this.#streams.get(runId);
    if (stream === undefined) {
      const blocking = this.#idle.pop() ?? newClient(this.#options.connection, "justpipe-executor-stream");
      stream = new RunStream(blocking, this.#commandClient(), this.#keys.runStream(runId), this.#hosted);
      this.#streams.set(runId, stream);
    }
    clearTimeout(stream.lingerTimer);
    stream.lingerTimer = undefined;
    stream.users++;
    return stream;
  }

  /**
   * Adds a job at the end of this event-loop turn, with the others of the turn in one command (a map
   * refills several items per batch of results it reads), after the deltas journaled meanwhile.
   */
  #addSoon(name: string, data: JobData, jobId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#adds.push({ name, data, jobId, resolve, reject });
      if (this.#adds.length === 1) setImmediate(this.#flushAdds);
    });
  }

  readonly #flushAdds = (): void => {
    const adds = this.#adds;
    this.#adds = [];
    for (const share of this.#unflushed) share.flush(this.#jobs!);
    this.#unflushed.clear();
    const options = { attempts: 1, removeOnComplete: true, removeOnFail: true };
    this.queue
      .addBulk(adds.map(({ name, data, jobId }) => ({ name, data, opts: { ...options, jobId } })))
      .then(
        () => {
          for (const add of adds) add.resolve();
        },
        (error: unknown) => {
          for (const add of adds) add.reject(error);
        },
      );
  };

  #shareFor(runId: string): StateShare {
    let share = this.#shares.get(runId);
    if (share === undefined) {
      share = new StateShare(this.#keys.stateSnapshot(runId), this.#keys.stateDeltas(runId), this.#codec);
      this.#shares.set(runId, share);
    }
    return share;
  }

  /** A task is done with the stream and state of its thread (`streamKey`, the job id's first part). */
  #release(streamKey: string, stream: RunStream): void {
    if (--stream.users > 0) return;
    stream.lingerTimer = setTimeout(() => {
      if (stream.users > 0 || this.#streams.get(streamKey) !== stream) return;
      this.#streams.delete(streamKey);
      this.#track(stream.close().then((connection) => this.#idle.push(connection)));
      this.#dropShare(streamKey);
    }, LINGER_MS);
    stream.lingerTimer.unref();
  }

  /** Deletes a run's state keys once its last task ended. */
  #dropShare(runId: string): void {
    const share = this.#shares.get(runId);
    if (share === undefined || this.#jobs === undefined) return;
    this.#shares.delete(runId);
    this.#unflushed.delete(share);
    this.#track(share.drop(this.#jobs));
  }

  /** Stops a job nobody waits for: removes it if it is still queued, else aborts its handler. */
  async #cancel(jobId: string, reason: unknown): Promise<void> {
    const text = reason instanceof Error ? reason.message : String(reason ?? "cancelled");
    this.#publish({ c: "cancel", job: jobId, reason: text });
    await this.queue.remove(jobId).catch(() => 0);
  }

  #publish(message: ControlMessage): void {
    this.#commandClient()
      .publish(this.#keys.control, JSON.stringify(message))
      .catch(() => {});
  }

  #track(work: Promise<unknown>): void {
    const tracked = work.catch(() => {}).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }
}

interface PendingAdd {
  readonly name: string;
  readonly data: JobData;
  readonly jobId: string;
  resolve(): void;
  reject(error: unknown): void;
}

function fromWireControl(control: WireControl): unknown {
  switch (control.k) {
    case "next":
      return undefined;
    case "stop":
      return Stop;
    case "suspend":
      return new Suspend({ reason: control.reason });
    case "step":
      return control.name;
    case "value":
      return control.value;
  }
}
