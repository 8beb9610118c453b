import type { PipelineEndData } from "../events/outcome.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type {
  Checkpoint,
  CheckpointReason,
  Frontier,
  FrontierInvocation,
  FrontierRetry,
  SubRunCheckpoint,
} from "../store/checkpoint.js";
import type { Codec } from "../store/codec.js";
import type { RunRecorder } from "../store/recorder.js";
import { mapProgress, restoredSubState, subProgress, successorOf, toFrontier } from "./frontier.js";
import type { Invocation } from "./invocation.js";
import type { JoinBarriers } from "./join-barriers.js";
import type { RunEvent } from "./run-event.js";
import { finalRecordFields, storableEnd, toStoredEvent } from "./stored-event.js";

/** When checkpoints are written: at the end only, after step ends (batched), or before successors start. */
export type Durability = "exit" | "step" | "sync";

/**
 * How a sub step reaches its child run's persistence: the parent's checkpoints hold the child's
 * progress (`Frontier.subs`), read live while the child runs and kept once it ended.
 */
export interface SubRunLink {
  /** The child run's persistence, once its scheduler exists. */
  persistence: RunPersistence | undefined;
  /** The child's progress when it ended (suspended, failed, cancelled), for the parent's exit checkpoint. */
  ended: SubRunCheckpoint | undefined;
}

/** What a durable run is given by `run()`/`resume()` (internal). */
export interface DurableRun {
  /** Writes the run to its store; absent for a sub-pipeline's child run (see `parent`). */
  readonly recorder?: RunRecorder;
  readonly durability: Durability;
  readonly codec: Codec;
  readonly threadId: string;
  readonly pipeHash: string;
  /** The checkpoint's frontier to continue from (resume), if any. */
  readonly resume?: Frontier;
  /** Store errors before the run began (opening the store), reported like later ones. */
  readonly openError?: unknown;
  /**
   * A store error of the run's setup that does not keep it from being stored (marking the crashed
   * segment it resumes as ended), reported on `FINISH` like a failed write.
   */
  readonly setupError?: unknown;
  /** For a sub-pipeline's child run: the parent's persistence (checkpoints and commits are its). */
  readonly parent?: RunPersistence;
  /** For a sub-pipeline's child run: where the parent finds this run's persistence. */
  readonly link?: SubRunLink;
  /** For a sub-pipeline's child run: the child pipe's name. */
  readonly pipeName?: string;
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
  /** Successors waiting for a `sync` commit. */
  readonly #awaiting = new Set<FrontierInvocation>();
  /** Plain steps waiting for a retry's backoff: their next attempt, and when it is due. */
  readonly #retrying = new Map<object, { saved: FrontierInvocation; dueAt: number }>();
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
    const recorder = this.#run.recorder;
    if (recorder === undefined) {
      // A child run: its events reach the store forwarded by its parent, which checkpoints them.
      if (event.type === "step_start" && event.parentRunId === null) this.#stepsStarted = true;
      return;
    }
    // Not in the store (reported on FINISH), or FINISH was stored before it was emitted.
    if (this.#run.openError !== undefined || this.#finishStored) return;
    recorder.record(toStoredEvent(event));
    if (this.durability !== "exit") {
      const type = event.type;
      if (type === "step_start") {
        if (event.parentRunId === null) this.#stepsStarted = true;
      }
      // A first checkpoint at START: a process that dies before any step ends can be resumed too.
      // A child run's step ends (forwarded) count too: the checkpoint holds the child's progress.
      else if (
        type === "step_end" ||
        type === "step_error" ||
        type === "barrier_release" ||
        (type === "start" && event.parentRunId === null)
      )
        recorder.requestCheckpoint(this.#buildStepCheckpoint);
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
    this.#ready.push(successorOf(node, from));
  }

  /** Under `sync`, a successor waits for the commit: checkpoints meanwhile list it as ready. */
  awaitingCommit(node: PlanNode, from: Invocation): FrontierInvocation {
    const waiting = successorOf(node, from);
    this.#awaiting.add(waiting);
    return waiting;
  }

  /** The commit a successor waited for is over (it started, or the run stopped). */
  startedAfterCommit(waiting: FrontierInvocation): void {
    this.#awaiting.delete(waiting);
  }

  /** A step failed for good or was cancelled: it runs again on a resume (`retryFailed`). */
  interrupted(invocation: Invocation): void {
    // A map worker or a sub-pipeline's child is re-run through its owner, which is interrupted too.
    if (invocation.mapOwner === undefined && !this.#interrupted.includes(invocation))
      this.#interrupted.push(invocation);
  }

  /**
   * A plain step's attempt failed and its next attempt waits `delay` ms: a checkpoint written
   * meanwhile holds it, so a resume runs that attempt after the backoff that was left.
   */
  waitingRetry(invocation: Invocation, delay: number): void {
    if (invocation.mapOwner !== undefined) return; // a map's item stays in its map's progress
    const saved = { ...toFrontier(invocation), attempt: invocation.attempt + 1 };
    this.#retrying.set(invocation, { saved, dueAt: this.#host.clock.now() + delay });
  }

  /** The retry registered under `key` started (or was given up for good). */
  retryStarted(key: object): void {
    this.#retrying.delete(key);
  }

  /**
   * A resumed run waits for a retry's backoff again: registered under `key` like
   * {@link RunPersistence.waitingRetry}.
   */
  waitingResumedRetry(key: object, saved: FrontierInvocation, delay: number): void {
    this.#retrying.set(key, { saved, dueAt: this.#host.clock.now() + delay });
  }

  readonly #buildStepCheckpoint = (): Checkpoint | undefined => this.#checkpointOf("step", false).checkpoint;

  /** Puts a checkpoint of the run as it is now into the next batch; returns the encoding error, if any. */
  #writeCheckpoint(reason: CheckpointReason, atExit: boolean): unknown {
    const { checkpoint, error } = this.#checkpointOf(reason, atExit);
    if (checkpoint !== undefined) this.#run.recorder?.setCheckpoint(checkpoint);
    return error;
  }

  /**
   * What a sub step's child run is given: no store of its own; its progress goes into this run's
   * checkpoints (through `link`), and under `sync` its successors wait for this run's commits.
   *
   * @param link - where this run's checkpoints find the child's persistence.
   * @param pipeName - the child pipe's name.
   * @param resume - the child's progress to continue from (a resumed sub step).
   */
  childRun(link: SubRunLink, pipeName: string, resume: Frontier | undefined): DurableRun {
    const run = this.#run;
    return {
      durability: run.durability,
      codec: run.codec,
      threadId: run.threadId,
      pipeHash: "",
      parent: this,
      link,
      pipeName,
      ...(resume !== undefined ? { resume } : {}),
    };
  }

  /** The state a resumed sub step's child run continues with (see `restoredSubState`). */
  restoreSubState(saved: SubRunCheckpoint, fresh: unknown): unknown {
    return restoredSubState(this.#run.codec, saved, fresh);
  }

  /**
   * A child run's progress for its parent's checkpoint: as it is now, or (`atExit`) as the child
   * ended. Throws the codec's error.
   */
  subCheckpoint(atExit: boolean): SubRunCheckpoint {
    const { checkpoint, error } = this.#checkpointOf("step", atExit);
    if (checkpoint === undefined) throw error;
    const bytes = typeof checkpoint.state !== "string";
    return {
      pipeName: this.#run.pipeName ?? "",
      codec: checkpoint.codec,
      state: bytes
        ? Buffer.from(checkpoint.state as Uint8Array).toString("base64")
        : (checkpoint.state as string),
      ...(bytes ? { base64: true } : {}),
      quiescent: checkpoint.quiescent,
      frontier: checkpoint.frontier,
    };
  }

  /** A checkpoint of the run as it is now, or the error encoding its state. */
  #checkpointOf(reason: CheckpointReason, atExit: boolean): { checkpoint?: Checkpoint; error?: unknown } {
    const host = this.#host;
    if (!atExit && !this.#stepsStarted) return this.#encode(reason, this.#notStartedFrontier(), true);
    const open = atExit
      ? []
      : host.openInvocations().filter((invocation) => invocation.mapOwner === undefined);
    const inFlight = [...(atExit ? this.#interrupted : []), ...open.reverse()];
    const retrying = this.#retryingNow();
    const subs = subProgress(inFlight, atExit);
    const frontier: Frontier = {
      completed: this.#completed.map(toFrontier),
      ready: this.#awaiting.size === 0 ? this.#ready : [...this.#ready, ...this.#awaiting],
      inFlight: inFlight.map(toFrontier),
      barriers: host.joinsIfAny?.snapshot(host.planNodes) ?? [],
      maps: atExit ? [] : mapProgress(host.openInvocations()),
      attempts: {},
      ...(retrying.length > 0 ? { retrying } : {}),
      ...(subs !== undefined ? { subs } : {}),
      ...(this.#suspended ? { suspended: this.#suspended } : {}),
    };
    return this.#encode(reason, frontier, atExit || (open.length === 0 && retrying.length === 0));
  }

  /** The retries waiting for their backoff, with the time each has left. */
  #retryingNow(): FrontierRetry[] {
    if (this.#retrying.size === 0) return [];
    const now = this.#host.clock.now();
    return [...this.#retrying.values()].map(({ saved, dueAt }) => ({
      ...saved,
      remainingMs: Math.max(0, dueAt - now),
    }));
  }

  /** Before any step started: the roots (or, for a resumed run, the frontier it was given). */
  #notStartedFrontier(): Frontier {
    if (this.#run.resume !== undefined) return this.#run.resume;
    if (this.#run.recorder === undefined) {
      // A child run that has not started a step: it starts over (from its roots) on resume.
      return { completed: [], ready: [], inFlight: [], barriers: [], maps: [], attempts: {} };
    }
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
    // A child run's successors wait for its parent's commit (the parent's checkpoint holds it).
    if (this.#run.parent !== undefined) return this.#run.parent.commit();
    this.#commit ??= Promise.resolve().then(async () => {
      this.#commit = undefined;
      const recorder = this.#run.recorder!;
      const encodeError = this.#writeCheckpoint("step", false);
      const stored = await recorder.flush();
      if (encodeError !== undefined || !stored) {
        this.#host.failPersistence(encodeError ?? recorder.failures.at(-1));
        return false;
      }
      return true;
    });
    return this.#commit;
  }

  /**
   * When the steps are over: puts the exit checkpoint (the state as the steps left it) into the
   * last batch. A child run (no recorder of its own) leaves how it ended to its parent instead.
   *
   * @param status - how the run is ending.
   */
  prepareExit(status: string): void {
    if (this.#run.recorder === undefined) {
      // A child run: its parent keeps how it ended, for its own exit checkpoint.
      const link = this.#run.link;
      if (link !== undefined && status !== "success") {
        try {
          link.ended = this.subCheckpoint(true);
        } catch {
          // The parent's checkpoint reports the codec's error when it encodes its own state.
        }
      }
      return;
    }
    const reason: CheckpointReason =
      status === "suspended" ? "suspend" : status === "success" ? "finish" : "failure";
    this.#exitError = this.#writeCheckpoint(reason, true);
  }

  /** True when nothing failed so far: `FINISH` can be stored with the last batch. */
  get canStoreFinish(): boolean {
    return (
      this.#run.recorder !== undefined &&
      this.#run.openError === undefined &&
      this.#run.setupError === undefined &&
      this.#exitError === undefined
    );
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
    const recorder = this.#run.recorder!;
    if (
      await recorder.finish(storableEnd(end), finalRecordFields(end, this.#suspended), toStoredEvent(finish))
    ) {
      this.#finishStored = true;
      return undefined;
    }
    return recorder.failures.at(-1);
  }

  /**
   * Before `FINISH`, when it cannot be stored with the last batch: writes everything recorded.
   * Resolves the error when the store could not be written (or opened, or the state encoded, or
   * the crashed run this one resumes could not be ended), else `undefined`.
   */
  async beforeFinish(): Promise<unknown> {
    const recorder = this.#run.recorder;
    if (recorder === undefined) return undefined;
    const stored = await recorder.flush();
    if (this.#run.openError !== undefined) return this.#run.openError;
    if (this.#exitError !== undefined) return this.#exitError;
    if (this.#run.setupError !== undefined) return this.#run.setupError;
    return stored ? undefined : recorder.failures.at(-1);
  }

  /**
   * After `FINISH` was emitted (when it was not stored before): stores the final run record and
   * the last events.
   *
   * @param end - the `FINISH` payload.
   */
  async afterFinish(end: PipelineEndData): Promise<void> {
    await this.#run.recorder?.close(storableEnd(end), finalRecordFields(end, this.#suspended));
  }
}
