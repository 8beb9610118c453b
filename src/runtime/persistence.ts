import type { PipelineEndData } from "../events/outcome.js";
import { toJsonEvent } from "../events/serialize.js";
import type { PipeEvent } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type {
  Checkpoint,
  CheckpointReason,
  Frontier,
  FrontierInvocation,
  FrontierMap,
} from "../store/checkpoint.js";
import type { Codec } from "../store/codec.js";
import type { RunRecorder } from "../store/recorder.js";
import type { RunRecord, StoredEvent } from "../store/records.js";
import type { Invocation } from "./invocation.js";
import type { JoinBarriers } from "./join-barriers.js";
import type { MapDriver } from "./map.js";
import type { RunEvent } from "./run-event.js";

/** When checkpoints are written: at the end only, after step ends (batched), or before successors start. */
export type Durability = "exit" | "step" | "sync";

/** What a durable run is given by `run()`/`resume()` (internal). */
export interface DurableRun {
  readonly recorder: RunRecorder;
  readonly durability: Durability;
  readonly codec: Codec;
  readonly threadId: string;
  readonly pipeHash: string;
  /** The checkpoint's frontier to continue from (resume), if any. */
  readonly resume?: Frontier;
  /** Store errors before the run began (opening the store), reported like later ones. */
  readonly openError?: unknown;
}

/** What the persistence reads from its run. */
export interface PersistenceHost {
  readonly runId: string;
  readonly state: unknown;
  readonly clock: Clock;
  readonly stopping: boolean;
  readonly planNodes: ReadonlyMap<string, PlanNode>;
  /** The join barriers, when the run made them. */
  readonly joinsIfAny: JoinBarriers | undefined;
  /** The steps the run starts with (its roots, or its `start`). */
  readonly startNodes: readonly string[];
  /** The open invocations, newest first. */
  openInvocations(): Invocation[];
  /** A write failed under `durability: "sync"`: the run fails (infra). */
  failPersistence(error: unknown): void;
}

const toFrontier = (invocation: Invocation): FrontierInvocation => ({
  step: invocation.node.name,
  invocationId: invocation.id,
  parentInvocationId: invocation.parentInvocationId,
  ownerInvocationId: invocation.ownerInvocationId === invocation.id ? null : invocation.ownerInvocationId,
  scope: invocation.scope,
  attempt: invocation.attempt,
  lineage: invocation.lineage,
});

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

/**
 * Records a run in its store as it runs: every event (batched by the {@link RunRecorder}), and
 * checkpoints as `durability` says. It keeps what a checkpoint's frontier needs that the open
 * invocations do not show: steps that ended or suspended while the run was stopping (their
 * successors never started), successors that could not start, and steps cut short.
 */
export class RunPersistence {
  readonly durability: Durability;
  readonly #run: DurableRun;
  readonly #host: PersistenceHost;
  readonly #completed: Invocation[] = [];
  readonly #ready: FrontierInvocation[] = [];
  readonly #interrupted: Invocation[] = [];
  #suspended: { step: string; invocationId: string; reason: string; at: number } | undefined;
  #lastSeq = 0;
  #stepsStarted = false;
  #commit: Promise<boolean> | undefined;
  /** The error encoding the exit checkpoint's state, if it failed. */
  #exitError: unknown = undefined;
  /** `FINISH` was stored with the last batch (before it was emitted). */
  #finishStored = false;

  constructor(run: DurableRun, host: PersistenceHost) {
    this.#run = run;
    this.#host = host;
    this.durability = run.durability;
  }

  /** The error of opening the store, if it failed (the run was not stored). */
  get openError(): unknown {
    return this.#run.openError;
  }

  /** True when successors wait for the commit of what came before them. */
  get sync(): boolean {
    return this.durability === "sync";
  }

  /** Records an emitted (or forwarded) event. */
  record(event: RunEvent): void {
    this.#lastSeq = event.seq;
    // Not in the store (reported on FINISH), or FINISH was stored before it was emitted.
    if (this.#run.openError !== undefined || this.#finishStored) return;
    this.#run.recorder.record(toStoredEvent(event));
    if (this.durability !== "exit" && event.parentRunId === null) {
      const type = event.type;
      if (type === "step_start") this.#stepsStarted = true;
      // A first checkpoint at START: a process that dies before any step ends can be resumed too.
      else if (type === "step_end" || type === "step_error" || type === "barrier_release" || type === "start")
        this.#scheduleCheckpoint();
    }
  }

  /** A step returned `Suspend`: on resume, its successors start. */
  suspended(invocation: Invocation, reason: string): void {
    this.#completed.push(invocation);
    this.#suspended ??= {
      step: invocation.node.name,
      invocationId: invocation.id,
      reason,
      at: this.#host.clock.now(),
    };
  }

  /** A step ended while the run was stopping: its successors did not start. */
  unfollowed(invocation: Invocation): void {
    this.#completed.push(invocation);
  }

  /** A successor (or jump target) could not start because the run was stopping. */
  notStarted(node: PlanNode, from: Invocation): void {
    this.#ready.push({
      ...toFrontier(from),
      step: node.name,
      lineage: `${from.lineage}>${node.name}`,
      attempt: 1,
    });
  }

  /** A step failed for good or was cancelled: it runs again on a resume (`retryFailed`). */
  interrupted(invocation: Invocation): void {
    // A map worker or a sub-pipeline's child is re-run through its owner, which is interrupted too.
    if (invocation.mapOwner === undefined && !this.#interrupted.includes(invocation))
      this.#interrupted.push(invocation);
  }

  #scheduleCheckpoint(): void {
    this.#run.recorder.requestCheckpoint(this.#buildStepCheckpoint);
  }

  readonly #buildStepCheckpoint = (): Checkpoint | undefined => this.#checkpointOf("step", false).checkpoint;

  /** Puts a checkpoint of the run as it is now into the next batch; returns the encoding error, if any. */
  #writeCheckpoint(reason: CheckpointReason, atExit: boolean): unknown {
    const { checkpoint, error } = this.#checkpointOf(reason, atExit);
    if (checkpoint !== undefined) this.#run.recorder.setCheckpoint(checkpoint);
    return error;
  }

  /** A checkpoint of the run as it is now, or the error encoding its state. */
  #checkpointOf(reason: CheckpointReason, atExit: boolean): { checkpoint?: Checkpoint; error?: unknown } {
    const host = this.#host;
    if (!atExit && !this.#stepsStarted) return this.#encode(reason, this.#notStartedFrontier(), true);
    const open = atExit
      ? []
      : host.openInvocations().filter((invocation) => invocation.mapOwner === undefined);
    const frontier: Frontier = {
      completed: this.#completed.map(toFrontier),
      ready: this.#ready,
      inFlight: [...(atExit ? this.#interrupted : []), ...open.reverse()].map(toFrontier),
      barriers: host.joinsIfAny?.snapshot(host.planNodes) ?? [],
      maps: atExit ? [] : mapProgress(host.openInvocations()),
      attempts: {},
      ...(this.#suspended ? { suspended: this.#suspended } : {}),
    };
    return this.#encode(reason, frontier, atExit || open.length === 0);
  }

  /** Before any step started: the roots (or, for a resumed run, the frontier it was given). */
  #notStartedFrontier(): Frontier {
    if (this.#run.resume !== undefined) return this.#run.resume;
    const ready = this.#host.startNodes.map((step) => ({
      step,
      invocationId: `${this.#host.runId}:root:${step}`,
      parentInvocationId: null,
      ownerInvocationId: null,
      scope: [],
      attempt: 1,
      lineage: `${this.#host.runId}:root:${step}`,
    }));
    return { completed: [], ready, inFlight: [], barriers: [], maps: [], attempts: {} };
  }

  #encode(
    reason: CheckpointReason,
    frontier: Frontier,
    quiescent: boolean,
  ): { checkpoint?: Checkpoint; error?: unknown } {
    const host = this.#host;
    let state: string | Uint8Array;
    try {
      state = this.#run.codec.encode(host.state);
    } catch (error) {
      return { error };
    }
    const checkpoint: Checkpoint = {
      v: 1,
      runId: host.runId,
      threadId: this.#run.threadId,
      pipeHash: this.#run.pipeHash,
      seq: this.#lastSeq,
      writtenAt: Date.now(),
      reason,
      quiescent,
      codec: this.#run.codec.name,
      state,
      frontier,
    };
    return { checkpoint };
  }

  /**
   * `durability: "sync"`: writes a checkpoint of the run now and everything recorded, then
   * resolves (true when stored). Calls in one turn share one commit.
   */
  commit(): Promise<boolean> {
    this.#commit ??= Promise.resolve().then(async () => {
      this.#commit = undefined;
      const encodeError = this.#writeCheckpoint("step", false);
      const stored = await this.#run.recorder.flush();
      if (encodeError !== undefined || !stored) {
        this.#host.failPersistence(encodeError ?? this.#run.recorder.failures.at(-1));
        return false;
      }
      return true;
    });
    return this.#commit;
  }

  /**
   * When the steps are over: puts the exit checkpoint (the state as the steps left it) into the
   * last batch.
   *
   * @param status - how the run is ending.
   */
  prepareExit(status: string): void {
    const reason: CheckpointReason =
      status === "suspended" ? "suspend" : status === "success" ? "finish" : "failure";
    this.#exitError = this.#writeCheckpoint(reason, true);
  }

  /** True when nothing failed so far: `FINISH` can be stored with the last batch. */
  get canStoreFinish(): boolean {
    return this.#run.openError === undefined && this.#exitError === undefined;
  }

  /**
   * Writes the last events, the exit checkpoint, the final record and `FINISH` (not emitted yet)
   * in one transaction. Resolves the store's error when it failed (then `FINISH` is emitted with
   * the failure and stored by {@link afterFinish}), else `undefined`.
   *
   * @param end - the `FINISH` payload.
   * @param finish - the `FINISH` event as it will be emitted.
   */
  async storeFinish(end: PipelineEndData, finish: RunEvent): Promise<unknown> {
    const recorder = this.#run.recorder;
    if (await recorder.finish(storableEnd(end), this.#finalFields(end), toStoredEvent(finish))) {
      this.#finishStored = true;
      return undefined;
    }
    return recorder.failures.at(-1);
  }

  /**
   * Before `FINISH`, when it cannot be stored with the last batch: writes everything recorded.
   * Resolves the error when the store could not be written (or opened, or the state encoded).
   */
  async beforeFinish(): Promise<unknown> {
    const stored = await this.#run.recorder.flush();
    if (this.#run.openError !== undefined) return this.#run.openError;
    if (this.#exitError !== undefined) return this.#exitError;
    return stored ? undefined : this.#run.recorder.failures.at(-1);
  }

  /**
   * After `FINISH` was emitted (when it was not stored before): stores the final run record and
   * the last events.
   *
   * @param end - the `FINISH` payload.
   */
  async afterFinish(end: PipelineEndData): Promise<void> {
    await this.#run.recorder.close(storableEnd(end), this.#finalFields(end));
  }

  /** The run record's fields that follow from its end. */
  #finalFields(end: PipelineEndData): Partial<RunRecord> {
    const suspended = this.#suspended;
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
}

/**
 * The progress of the open maps: the next item index and the items whose workers have not ended
 * (running, or waiting for a retry), bounded by each map's `maxConcurrency`.
 */
function mapProgress(open: readonly Invocation[]): FrontierMap[] {
  const maps: FrontierMap[] = [];
  for (const owner of open) {
    if (owner.node.kind !== "map" || owner.children === undefined) continue;
    const driver = owner.children as MapDriver;
    maps.push({
      ownerInvocationId: owner.id,
      owner: owner.node.name,
      target: driver.worker.name,
      nextIndex: driver.index,
      doneAbove: [],
      inFlight: [...driver.running].sort((a, b) => a - b).map((index) => ({ index, item: null })),
    });
  }
  return maps;
}

/** The `FINISH` payload without the thrown values (`errors[].cause`), which are not data. */
function storableEnd(end: PipelineEndData): PipelineEndData {
  return { ...end, errors: end.errors.map(({ cause: _cause, ...record }) => record) };
}
