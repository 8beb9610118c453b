// Detached runs (internal: the Pipe façade calls it): `pipe.start()` stores a run and hands it to
// an executor's run hosts; `pipe.observe()` reads a run's events as they are stored, following
// its resume chain to its FINISH.
import { RunNotFoundError } from "../errors/store-errors.js";
import type { PipeEvent } from "../events/types.js";
import type { StepExecutor } from "../model/executor.js";
import type { Target } from "../model/handler-types.js";
import { type Codec, jsonCodec } from "../store/codec.js";
import type { TokenPersistence } from "../store/recorder.js";
import type { RunRecord, StoredEvent } from "../store/records.js";
import { generateRunId } from "../store/run-id.js";
import type { Store } from "../store/store.js";
import type { PipeDescription } from "../visualization/describe.js";
import { DETACHED_LABEL, firstCheckpoint, rootsOf } from "./durable-run.js";

/** What `start()` needs from a Pipe. */
interface StartablePipe {
  readonly name: string;
  describe(): PipeDescription;
  validate(options?: { start?: Target }): void;
  _nameOf(target: Target): string | undefined;
}

/** Options of `pipe.start(state, options)`. */
export interface StartOptions {
  /**
   * Runs the run loop and the steps: an executor that can host runs (`bullmqExecutor` from
   * `justpipe/bullmq`: a worker created with a `store` takes the run).
   */
  executor: StepExecutor;
  /**
   * Where the run is stored; the hosting worker must be given the same store (the same file or
   * database). @default the Pipe's `store`
   */
  store?: Store;
  /** The run's id; a second run with an existing id is a `RunExistsError`. @default generateRunId() */
  runId?: string;
  /** Labels stored with the run (`detached: "true"` is added). */
  labels?: Record<string, string>;
  /** Encodes the state; the hosting worker must use a codec of the same name. @default jsonCodec */
  codec?: Codec;
  /**
   * How often the host writes checkpoints: `"step"` (after step ends, batched) or `"sync"`
   * (successors start after the commit). A detached run always has checkpoints, so another worker
   * can take it over. @default "step"
   */
  durability?: "step" | "sync";
  /** Ends the run after this many milliseconds, counted from when a host starts it. */
  timeout?: number;
  /** The step to start from (a step name or handler). @default the pipe's roots */
  start?: Target;
  /**
   * How long a dead host holds the run before another worker takes it over, in milliseconds.
   * @default 30000
   */
  leaseTtl?: number;
  /** What is stored: `tokens` coalesced per invocation and batch (default), every one, or none. */
  persist?: { tokens?: TokenPersistence };
}

/** Options of `pipe.observe(runId, options)`. */
export interface ObserveOptions {
  /** Where the run is stored. @default the Pipe's `store` */
  store?: Store;
  /** Stops observing when it aborts (the iteration ends quietly; the run goes on). */
  signal?: AbortSignal;
  /** How often to look for new events and for the run's next segment, in ms. @default 200 */
  pollInterval?: number;
}

/**
 * `pipe.start()`: validates the pipe, stores the run (status `"running"`, no owner yet) with its
 * state in a first checkpoint, then asks the executor to have it hosted. Resolves the run id.
 *
 * @internal
 */
export async function startDetached(
  pipe: StartablePipe,
  state: unknown,
  options: StartOptions,
  store: Store | undefined,
): Promise<string> {
  const executor = options?.executor;
  if (executor === undefined || typeof executor.startRun !== "function") {
    throw new TypeError(
      `start(): Pipe '${pipe.name}' needs an \`executor\` that can host runs, such as bullmqExecutor(...) from "justpipe/bullmq"${executor === undefined ? "" : ` (got the '${executor.name}' executor, which cannot)`}. To run in this process, use pipe.run(state, { store }).`,
    );
  }
  if (store === undefined) {
    throw new TypeError(
      `start(): Pipe '${pipe.name}' needs a \`store\`: the run is stored so a worker can host it and pipe.observe(runId) can follow it. Pass pipe.start(state, { executor, store }) and give the workers the same store.`,
    );
  }
  const durability = options.durability ?? "step";
  if (durability !== "step" && durability !== "sync") {
    throw new TypeError(
      `start(): Expected \`durability\` to be "step" or "sync", got \`${String(durability)}\``,
    );
  }
  pipe.validate(options.start === undefined ? {} : { start: options.start });
  const start = options.start === undefined ? undefined : pipe._nameOf(options.start);
  const description: PipeDescription = pipe.describe();
  const codec = options.codec ?? jsonCodec;
  const now = Date.now();
  const runId = options.runId ?? generateRunId();
  const run: RunRecord = {
    runId,
    threadId: runId,
    resumedFrom: null,
    parentRunId: null,
    pipeName: pipe.name,
    pipeHash: description.hash,
    status: "running",
    startedAt: now,
    endedAt: null,
    durationMs: null,
    failureKind: null,
    failureSource: null,
    failedStep: null,
    error: null,
    suspendedStep: null,
    suspendReason: null,
    end: null,
    labels: { ...options.labels, [DETACHED_LABEL]: "true" },
    owner: null,
    leaseUntil: null,
    lastSeq: 0,
    updatedAt: now,
  };
  const frontier = rootsOf(description, start === undefined ? {} : { start });
  // Encoded before anything is stored: a state the codec refuses fails here, not in a worker.
  const checkpoint = firstCheckpoint(run, state, codec, frontier);
  await store.createRun(run, {
    hash: description.hash,
    name: pipe.name,
    describe: description as unknown as Record<string, unknown>,
    firstSeen: now,
  });
  await store.write({ checkpoint });
  await executor.startRun({
    runId,
    pipeName: pipe.name,
    pipeHash: description.hash,
    codec: codec.name,
    durability,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.leaseTtl === undefined ? {} : { leaseTtl: options.leaseTtl }),
    ...(options.persist?.tokens === undefined ? {} : { tokens: options.persist.tokens }),
  });
  return runId;
}

/**
 * `pipe.observe()`: the run's stored events, then each one as it is stored (`store.followEvents`:
 * polling, or `LISTEN`/`NOTIFY` on Postgres), following the run into the segment that took it over
 * when its host died, until the `FINISH` of the run.
 *
 * @internal
 */
export async function* observeRun(
  runIdOrPrefix: string,
  options: ObserveOptions,
  store: Store | undefined,
): AsyncGenerator<PipeEvent, void, undefined> {
  if (store === undefined) {
    throw new TypeError(
      `observe('${runIdOrPrefix}'): no store. Pass the store the run is written to: pipe.observe(runId, { store }).`,
    );
  }
  const pollInterval = options.pollInterval ?? 200;
  let segment = await store.getRun(runIdOrPrefix);
  if (segment === undefined) throw new RunNotFoundError(runIdOrPrefix, store.location);
  const outer = options.signal;
  while (segment !== undefined && !outer?.aborted) {
    const controller = new AbortController();
    const stop = () => controller.abort();
    outer?.addEventListener("abort", stop, { once: true });
    let next: RunRecord | undefined;
    const watcher = watchForNext(store, segment, pollInterval, controller.signal).then((found) => {
      // Undefined when stopped: never erase a next segment found after the events ended.
      if (found === undefined) return;
      next = found;
      controller.abort();
    });
    let afterSeq = 0;
    try {
      const events = store.followEvents(segment.runId, { signal: controller.signal, pollInterval });
      for await (const stored of events) {
        afterSeq = stored.coalesced?.lastSeq ?? stored.seq;
        yield* toPipeEvents(stored);
        if (stored.type === "finish" && stored.parentRunId === null) return;
      }
      if (outer?.aborted) return;
      // A segment whose host died ends `failed` once the next one exists: that one is stored.
      next ??= await nextSegment(store, segment);
      if (next === undefined) return;
      // The segment's host died and another took the run over: its last events, then the next.
      for (const stored of await store.getEvents(segment.runId, { afterSeq })) {
        yield* toPipeEvents(stored);
        if (stored.type === "finish" && stored.parentRunId === null) return;
      }
    } finally {
      controller.abort();
      outer?.removeEventListener("abort", stop);
      await watcher;
    }
    segment = next;
  }
}

/** Resolves the segment that continues `segment` once one is stored (undefined when aborted). */
async function watchForNext(
  store: Store,
  segment: RunRecord,
  pollInterval: number,
  signal: AbortSignal,
): Promise<RunRecord | undefined> {
  while (!signal.aborted) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollInterval);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
    if (signal.aborted) return undefined;
    const next = await nextSegment(store, segment);
    if (next !== undefined) return next;
  }
  return undefined;
}

/** The segment stored as continuing `segment`, if there is one. */
async function nextSegment(store: Store, segment: RunRecord): Promise<RunRecord | undefined> {
  const thread = await store.listRuns({ threadId: segment.threadId, limit: 10_000 }).catch(() => []);
  return thread.find((run) => run.resumedFrom === segment.runId);
}

/** A stored event as `run()` yields it; a row of coalesced tokens becomes its tokens, in order. */
function toPipeEvents(stored: StoredEvent): PipeEvent[] {
  const { coalesced, ...fields } = stored;
  if (coalesced === undefined) return [fields as unknown as PipeEvent];
  return (stored.payload as unknown[]).map((payload) => ({ ...fields, payload }) as unknown as PipeEvent);
}
