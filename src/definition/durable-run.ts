// How durable runs start and resume (internal: the Pipe façade calls it).
import {
  CodecError,
  RunExistsError,
  RunLockedError,
  RunNotFoundError,
  RunNotResumableError,
} from "../errors/store-errors.js";
import type { PipeEvent } from "../events/types.js";
import type { RunOptions } from "../model/options.js";
import type { CompilablePipe } from "../runtime/compiled-pipe.js";
import type { Durability } from "../runtime/persistence.js";
import { runPipe } from "../runtime/run-stream.js";
import type { Checkpoint, Frontier } from "../store/checkpoint.js";
import { type Codec, jsonCodec } from "../store/codec.js";
import { closestRunIds } from "../store/query.js";
import { RunRecorder } from "../store/recorder.js";
import type { RunRecord } from "../store/records.js";
import { assertResumable, assertSameDefinition } from "../store/resume-checks.js";
import { generateRunId } from "../store/run-id.js";
import type { Store } from "../store/store.js";
import type { PipeDescription } from "../visualization/describe.js";
import type { DurableRunOptions, ResumeOptions } from "./durable-options.js";

/** The façade the durable functions need from a Pipe. */
export interface DurablePipe extends CompilablePipe {
  readonly name: string;
  /** True once the definition can no longer change (after the first run). */
  readonly _frozen: boolean;
  describe(): PipeDescription;
}

const LEASE_MS = 30_000;

// A pipe's description, made once: a durable run needs it for every run (its hash is part of the
// record), and the definition no longer changes once the pipe ran (the freeze).
const descriptions = new WeakMap<DurablePipe, PipeDescription>();
const describeOnce = (pipe: DurablePipe): PipeDescription => {
  let description = descriptions.get(pipe);
  if (description === undefined) {
    description = pipe.describe();
    if (pipe._frozen) descriptions.set(pipe, description);
  }
  return description;
};
const DURABILITIES = new Set(["exit", "step", "sync"]);

/** A lease holder name for this process: where it runs, and a random part. */
const ownerId = (): string => `pid ${process.pid} (${generateRunId().slice(0, 8)})`;

function checkDurable(options: DurableRunOptions, durability: unknown): void {
  if (!DURABILITIES.has(durability as string)) {
    throw new TypeError(
      `run(): Expected \`durability\` to be "exit", "step" or "sync", got \`${String(durability)}\``,
    );
  }
  if (options.runId !== undefined && (typeof options.runId !== "string" || options.runId === "")) {
    throw new TypeError(
      `run(): Expected \`runId\` to be a non-empty string, got \`${String(options.runId)}\``,
    );
  }
  const codec = options.codec;
  if (
    codec !== undefined &&
    (typeof codec.encode !== "function" || typeof codec.decode !== "function" || !codec.name)
  ) {
    throw new TypeError("run(): Expected `codec` to be { name, encode(state), decode(data) }");
  }
}

/** Splits the durable options off a run's options. */
function splitOptions<Options extends DurableRunOptions>(options: Options): RunOptions<unknown> {
  const {
    store: _store,
    durability: _durability,
    runId: _runId,
    labels: _labels,
    codec: _codec,
    persist: _persist,
    leaseTtl: _leaseTtl,
    ...rest
  } = options;
  return rest as RunOptions<unknown>;
}

interface Segment {
  readonly runId: string;
  readonly threadId: string;
  readonly resumedFrom: string | null;
  readonly resume?: Frontier;
  /** A run `pipe.start()` stored and queued, taken over in place by `owner` (who claimed it). */
  readonly adopt?: { readonly owner: string; readonly record: RunRecord };
  /** The segment it continues, when that one's process died (still `running` in the store). */
  readonly crashed?: RunRecord;
}

/** The label `pipe.start()` gives the runs it queues. */
export const DETACHED_LABEL = "detached";

/** A run `pipe.start()` queued that no host has stored an event of: resumed in place, not as a new segment. */
function isQueuedDetached(run: RunRecord): boolean {
  return (
    run.labels[DETACHED_LABEL] === "true" &&
    run.status === "running" &&
    run.resumedFrom === null &&
    run.lastSeq === 0
  );
}

/**
 * The record of a segment whose process died, once a resume took it over: it ended `failed`
 * (`infra`) when its lease expired, and names the segment that continues it.
 */
function crashedEnd(crashed: RunRecord, resumedAs: string, now: number): RunRecord {
  const endedAt = Math.min(now, Math.max(crashed.leaseUntil ?? now, crashed.startedAt));
  return {
    ...crashed,
    status: "failed",
    endedAt,
    durationMs: endedAt - crashed.startedAt,
    failureKind: "infra",
    failureSource: "framework",
    failedStep: null,
    error: `The process running this run died (its lease expired); it was resumed as '${resumedAs}'.`,
    owner: null,
    leaseUntil: null,
    updatedAt: now,
  };
}

/**
 * A run that is stored as it goes: the run record and definition first, then every event, the
 * checkpoints, and the final record. A store that fails later is reported on `FINISH`
 * (`persistence_error`), or fails the run under `durability: "sync"`.
 */
export async function* runDurable(
  pipe: DurablePipe,
  state: unknown,
  options: DurableRunOptions,
  store: Store,
  pipeDurability: Durability | undefined,
  segment?: Segment,
): AsyncGenerator<PipeEvent, void, undefined> {
  const durability = options.durability ?? pipeDurability ?? "exit";
  checkDurable(options, durability);
  const description = describeOnce(pipe);
  const now = Date.now();
  const runId = segment?.runId ?? options.runId ?? generateRunId();
  const adopted = segment?.adopt;
  const run: RunRecord = {
    runId,
    threadId: segment?.threadId ?? runId,
    resumedFrom: segment?.resumedFrom ?? null,
    parentRunId: null,
    pipeName: pipe.name,
    pipeHash: description.hash,
    status: "running",
    startedAt: adopted?.record.startedAt ?? now,
    endedAt: null,
    durationMs: null,
    failureKind: null,
    failureSource: null,
    failedStep: null,
    error: null,
    suspendedStep: null,
    suspendReason: null,
    end: null,
    labels: { ...adopted?.record.labels, ...options.labels },
    owner: adopted?.owner ?? ownerId(),
    leaseUntil: now + (options.leaseTtl ?? LEASE_MS),
    lastSeq: 0,
    updatedAt: now,
  };
  const recorder = new RunRecorder({
    store,
    run,
    pipeline: {
      hash: description.hash,
      name: pipe.name,
      describe: description as unknown as Record<string, unknown>,
      firstSeen: now,
    },
    ...(options.persist?.tokens ? { tokens: options.persist.tokens } : {}),
    leaseTtl: options.leaseTtl ?? LEASE_MS,
  });
  let openError: unknown;
  let setupError: unknown;
  const codec = options.codec ?? jsonCodec;
  try {
    // A run with generated id and checkpoints only at its end is created with its first batch.
    if (durability === "exit" && options.runId === undefined && segment === undefined) recorder.openLazily();
    else if (adopted !== undefined) recorder.adopt();
    else if (durability === "exit") await recorder.open();
    // With "step" or "sync", a first checkpoint with the run, before anything runs: a process that
    // dies at once leaves a run that can be resumed from its start (or from the one it resumed).
    // (A run that pipe.start() created has its first checkpoint already.)
    else
      await recorder.open(
        firstCheckpoint(run, state, codec, segment?.resume ?? rootsOf(description, options)),
      );
    // The crashed segment ends once this one exists: a resume that looks at it meanwhile finds
    // it running with the lease this resume holds, and afterwards the segment that continues it.
    if (segment?.crashed !== undefined) {
      await store.write({ run: crashedEnd(segment.crashed, runId, Date.now()) }).catch((error: unknown) => {
        setupError = error;
      });
    }
  } catch (error) {
    if (error instanceof RunExistsError) throw error;
    openError = error;
  }
  yield* runPipe(pipe, state, splitOptions(options), {
    recorder,
    durability,
    codec,
    threadId: run.threadId,
    pipeHash: description.hash,
    ...(segment?.resume ? { resume: segment.resume } : {}),
    ...(openError !== undefined ? { openError } : {}),
    ...(setupError !== undefined ? { setupError } : {}),
  }) as AsyncGenerator<PipeEvent, void, undefined>;
}

/** The frontier of a run that has not started: its roots, or its `start`. */
export function rootsOf(
  description: PipeDescription,
  options: DurableRunOptions & { start?: unknown },
): Frontier {
  const start = options.start;
  const names =
    typeof start === "string"
      ? [start]
      : typeof start === "function" && start.name
        ? [start.name]
        : [...description.roots];
  const ready = names.map((step) => ({
    step,
    invocationId: `start:${step}`,
    parentInvocationId: null,
    ownerInvocationId: null,
    scope: [],
    attempt: 1,
    lineage: `start:${step}`,
  }));
  return { completed: [], ready, inFlight: [], barriers: [], maps: [], attempts: {} };
}

/** The checkpoint of a run that has not started: its state and its roots. */
export function firstCheckpoint(
  run: RunRecord,
  state: unknown,
  codec: Codec,
  frontier: Frontier,
): Checkpoint {
  return {
    v: 1,
    runId: run.runId,
    threadId: run.threadId,
    pipeHash: run.pipeHash,
    seq: 0,
    writtenAt: run.startedAt,
    reason: "step",
    quiescent: true,
    codec: codec.name,
    state: codec.encode(state),
    frontier,
  };
}

/**
 * `pipe.resume()`: checks the run (status, lease, definition, codec), takes its lease so a second
 * resume is refused, restores the state with `input` applied, and runs a new segment of the
 * thread from the checkpoint.
 */
export async function* resumeDurable(
  pipe: DurablePipe,
  runIdOrPrefix: string,
  options: ResumeOptions<unknown, unknown>,
  store: Store | undefined,
  pipeDurability: Durability | undefined,
): AsyncGenerator<PipeEvent, void, undefined> {
  if (store === undefined) {
    throw new TypeError(
      `resume('${runIdOrPrefix}'): no store. Pass the store the run was written to: pipe.resume(id, { store }), or new Pipe({ store }).`,
    );
  }
  const run = await store.getRun(runIdOrPrefix);
  if (run === undefined)
    throw new RunNotFoundError(runIdOrPrefix, store.location, await closestRunIds(store, runIdOrPrefix));
  assertResumable(run, { retryFailed: options.retryFailed === true, now: Date.now() });
  const thread = await store.listRuns({ threadId: run.threadId, limit: 10_000 });
  const later = thread.find((segment) => segment.resumedFrom === run.runId);
  if (later !== undefined) {
    throw new RunNotResumableError(
      run.runId,
      run.status,
      `Run '${run.runId}' was already resumed as '${later.runId}'. Resume '${later.runId}' instead.`,
    );
  }
  const checkpoint = await store.loadCheckpoint(run.runId);
  if (checkpoint === undefined || checkpoint.runId !== run.runId) {
    throw new RunNotResumableError(
      run.runId,
      run.status,
      `Run '${run.runId}' has no checkpoint in the store at ${store.location}: it stopped before writing one (with durability "exit" a process that dies mid-run leaves none; use "step"). Start a new run.`,
    );
  }
  const stored = await store.getPipeline(checkpoint.pipeHash);
  assertSameDefinition(
    run,
    checkpoint,
    stored?.describe,
    pipe.describe(),
    options.allowDefinitionChange === true,
  );
  const codec = options.codec ?? jsonCodec;
  if (checkpoint.codec !== codec.name) {
    throw new CodecError(
      "",
      `Run '${run.runId}' stored its state with codec '${checkpoint.codec}'; resume it with that codec (pass { codec }), not '${codec.name}'.`,
    );
  }
  const owner = ownerId();
  const adopt = isQueuedDetached(run);
  // A queued detached run is run in place: its lease is the run's own, renewed as it runs.
  const leaseTtl = adopt ? (options.leaseTtl ?? LEASE_MS) : LEASE_MS * 100;
  if (!(await store.claim(run.runId, owner, leaseTtl))) {
    const current = await store.getRun(run.runId);
    throw new RunLockedError(run.runId, current?.owner ?? "another process", current?.leaseUntil ?? 0);
  }
  try {
    // Checked again under the lease: a resume that won the run just before may have ended it.
    const claimed = await store.getRun(run.runId);
    const continued = (await store.listRuns({ threadId: run.threadId, limit: 10_000 })).find(
      (segment) => segment.resumedFrom === run.runId,
    );
    if (continued !== undefined) {
      throw new RunNotResumableError(
        run.runId,
        claimed?.status ?? run.status,
        `Run '${run.runId}' was already resumed as '${continued.runId}'. Resume '${continued.runId}' instead.`,
      );
    }
    if (claimed === undefined || claimed.status !== run.status) {
      throw new RunNotResumableError(
        run.runId,
        claimed?.status ?? run.status,
        `Run '${run.runId}' changed while this resume waited for it (now '${claimed?.status ?? "deleted"}'). Look at it again before resuming.`,
      );
    }
  } catch (error) {
    await store.release(run.runId, owner).catch(() => undefined);
    throw error;
  }
  try {
    const state = codec.decode(checkpoint.state);
    const { input } = options;
    if (typeof input === "function") await input(state);
    else if (input !== undefined && input !== null) Object.assign(state as object, input);
    const { input: _input, retryFailed: _retry, allowDefinitionChange: _allow, ...runOptions } = options;
    yield* runDurable(
      pipe,
      state,
      runOptions,
      store,
      pipeDurability,
      adopt
        ? {
            runId: run.runId,
            threadId: run.threadId,
            resumedFrom: null,
            resume: checkpoint.frontier,
            adopt: { owner, record: run },
          }
        : {
            runId: generateRunId(),
            threadId: run.threadId,
            resumedFrom: run.runId,
            resume: checkpoint.frontier,
            // A run whose process died (still `running`) ends when this segment exists.
            ...(run.status === "running" ? { crashed: run } : {}),
          },
    );
  } finally {
    await store.release(run.runId, owner).catch(() => undefined);
  }
}
