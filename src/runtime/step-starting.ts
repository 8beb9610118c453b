import { StepTimeoutError } from "../errors/errors.js";
import { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import { isAsyncIterator, isThenable } from "./guards.js";
import { HandlerArgs, Invocation } from "./invocation.js";
import { mapWorkerClosed } from "./map.js";
import { executeElsewhere, type RemoteSteps } from "./remote-step.js";
import { settle, streamTokens } from "./results.js";
import { StepClosing } from "./step-closing.js";
import { follow, skipSuccessors } from "./transitions.js";

const MAX_SYNC_DEPTH = 64;

/** Derived lineages longer than this (a long loop) are shortened to a hash. */
const MAX_LINEAGE = 96;

/**
 * The lineage of an invocation reached from `parent`: a map worker's is its owner's and its item
 * index (`"<owner>/work[3]"`), a successor's its parent's and its step (`"<parent>>next"`, as a
 * checkpoint names a successor that did not start).
 */
function derivedLineage(parent: Invocation, node: PlanNode, scope: readonly string[]): string {
  const lineage =
    parent.node.kind === "map" && parent.node.each === node.name
      ? `${parent.lineage}/${scope.at(-1)}`
      : `${parent.lineage}>${node.name}`;
  return lineage.length <= MAX_LINEAGE ? lineage : `#${hashText(lineage)}`;
}

/** Two 32-bit FNV-1a hashes (different offsets) of a text, as 16 hex characters. */
function hashText(text: string): string {
  let first = 0x811c9dc5;
  let second = 0x6c62272e;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x01000193) ^ (second >>> 15);
  }
  return (first >>> 0).toString(16).padStart(8, "0") + (second >>> 0).toString(16).padStart(8, "0");
}

/**
 * Step starts a run makes before it lets the event loop turn (one `setImmediate`). Steps that never
 * wait on I/O (a synchronous jump loop, async handlers that only await resolved promises) would
 * otherwise run entirely in microtasks and starve the run's own timers (its `timeout`), its
 * `signal` and the consumer. Costs one macrotask hop per this many steps.
 */
const YIELD_EVERY = 1000;

/**
 * How a run opens, runs and closes step invocations (the hot path), below the run's lifecycle and
 * phase (`Scheduler`). Every invocation is opened with `STEP_START` and closed exactly once, by
 * `endStep`, `failStep`, `cancelStep` or a retry (which closes the attempt and opens the next).
 * Idle tracking: the run is idle when no invocation is open and no background work is held
 * (`hold`/`release`: retry backoffs, map pulls, barrier timers; ignored once stopping).
 */
/**
 * How a run opens and runs step invocations: the hot path, above how they close
 * (`StepClosing`) and below the run's lifecycle and phase (`Scheduler`). A wave of siblings is
 * opened before any of them runs; a long synchronous chain continues on a fresh stack.
 */
export abstract class StepStarting extends StepClosing {
  #counter = 0;
  #depth = 0;
  /** Step starts since the run last let the event loop turn (see {@link YIELD_EVERY}). */
  #startsSinceYield = 0;
  /** While a wave of siblings is being opened: their invocations, to run once all are open. */
  #batch: Invocation[] | undefined = undefined;
  /** Where handlers run when the run was given an executor (else they are called here). */
  remote: RemoteSteps | undefined = undefined;

  /** The signal a step's handler sees: its own when it has a timeout, else the run's. */
  signalOf(invocation: Invocation): AbortSignal {
    return invocation.signal ?? this.signal;
  }

  /** Runs the next attempt of a closed invocation (a retry). */
  protected startNextAttempt(invocation: Invocation): void {
    const { node, ownerInvocationId, item, mapOwner, attempt, scope } = invocation;
    this.#start(node, invocation, ownerInvocationId, item, mapOwner, attempt + 1, scope);
  }

  // ---------------------------------------------------------------- starting steps

  /** Starts a root step (or the run's `start`). */
  protected startRoot(node: PlanNode): Invocation | undefined {
    return this.#start(node, null, null, undefined, undefined, 1, []);
  }

  /** Starts a step reached from `from`: a successor, a jump target, a released join or a route. */
  startSuccessor(node: PlanNode, from: Invocation): Invocation | undefined {
    const persistence = this.persistence;
    if (persistence !== undefined) {
      if (this.stopping) {
        persistence.notStarted(node, from);
        return undefined;
      }
      if (persistence.sync) {
        // durability "sync": the successor starts once what came before it is committed (that
        // checkpoint lists it as ready, so a resume starts it).
        this.pending++;
        const waiting = persistence.awaitingCommit(node, from);
        persistence.commit().then((stored) => {
          this.pending--;
          persistence.startedAfterCommit(waiting);
          if (stored && !this.stopping) this.#start(node, from, null, undefined, undefined, 1, from.scope);
          else if (this.stopping) persistence.notStarted(node, from);
          this.maybeIdle();
        });
        return undefined;
      }
    }
    return this.#start(node, from, null, undefined, undefined, 1, from.scope);
  }

  /**
   * Starts a step of a resumed run's checkpoint again, with its lineage (its retries and
   * idempotency key continue where they were).
   */
  protected startResumed(
    node: PlanNode,
    saved: { attempt: number; lineage: string; scope: readonly string[] },
    resumeMap?: Invocation["resumeMap"],
    resumeSub?: Invocation["resumeSub"],
  ): void {
    const invocation = this.#open(
      node,
      null,
      null,
      undefined,
      undefined,
      saved.attempt,
      saved.scope,
      this.#batch === undefined,
    );
    invocation.lineage = saved.lineage;
    invocation.resumeMap = resumeMap;
    invocation.resumeSub = resumeSub;
    if (this.#batch !== undefined) this.#batch.push(invocation);
    else this.#invoke(invocation);
  }

  /**
   * Starts a map worker of `owner` on `item`. With `durability: "sync"` it starts once what came
   * before it (the map's start, the end of the worker whose slot it takes) is committed.
   */
  startMapWorker(
    worker: PlanNode,
    owner: Invocation,
    item: unknown,
    scope: readonly string[],
  ): Invocation | undefined {
    const persistence = this.persistence;
    if (persistence !== undefined && persistence.sync && !this.stopping) {
      // The item counts as running meanwhile (the map's progress lists it: a resume runs it).
      this.pending++;
      persistence.commit().then((stored) => {
        this.pending--;
        const started = stored ? this.#start(worker, owner, owner.id, item, owner, 1, scope) : undefined;
        if (started === undefined && this.stopping) mapWorkerClosed(this.port, owner, scope);
        this.maybeIdle();
      });
      return undefined;
    }
    return this.#start(worker, owner, owner.id, item, owner, 1, scope);
  }

  /** Opens a stand-in invocation of a join that never ran, so its `onError` applies to its timeout. */
  openStandIn(node: PlanNode, from: Invocation): Invocation {
    // No STEP_START: a STEP_START means the handler was called (the join reports a STEP_ERROR alone).
    const standIn = this.#open(node, from, null, undefined, undefined, 1, from.scope, false);
    standIn.standIn = true;
    return standIn;
  }

  /** Starts an invocation of `node` (undefined when the run is stopping). */
  #start(
    node: PlanNode,
    parent: Invocation | null,
    owner: string | null,
    item: unknown,
    mapOwner: Invocation | undefined,
    attempt: number,
    scope: readonly string[],
  ): Invocation | undefined {
    if (this.stopping) return undefined;
    const batch = this.#batch;
    if (
      batch === undefined &&
      (++this.#startsSinceYield > YIELD_EVERY || this.#depth > MAX_SYNC_DEPTH || this.queue.full)
    ) {
      this.#startLater(node, parent, owner, item, mapOwner, attempt, scope);
      return undefined;
    }
    const invocation = this.#open(node, parent, owner, item, mapOwner, attempt, scope, batch === undefined);
    if (batch !== undefined) {
      invocation.unannounced = true;
      batch.push(invocation);
      return invocation;
    }
    this.#depth++;
    try {
      this.#invoke(invocation);
    } finally {
      this.#depth--;
    }
    return invocation;
  }

  /**
   * Starts a step a little later: after a macrotask turn when the run started {@link YIELD_EVERY}
   * steps without one (timers, aborts and other runs get their turn), once the consumer made room
   * when the queue is full (backpressure on the runtime's own events), or on a fresh stack after a
   * long synchronous chain.
   */
  #startLater(
    node: PlanNode,
    parent: Invocation | null,
    owner: string | null,
    item: unknown,
    mapOwner: Invocation | undefined,
    attempt: number,
    scope: readonly string[],
  ): void {
    this.pending++;
    const resume = () => {
      this.pending--;
      const started = this.#start(node, parent, owner, item, mapOwner, attempt, scope);
      if (started === undefined && this.stopping && mapOwner !== undefined)
        mapWorkerClosed(this.port, mapOwner, scope);
      this.maybeIdle();
    };
    if (this.#startsSinceYield > YIELD_EVERY) {
      this.#startsSinceYield = 0;
      setImmediate(resume);
      return;
    }
    const space = this.queue.waitForSpace();
    if (space !== undefined) space.then(resume);
    else queueMicrotask(resume);
  }

  /**
   * Starts several steps as one wave: every invocation is opened before any handler runs, so a
   * synchronous sibling that fails or stops cannot keep the others from starting.
   */
  startTogether(start: () => void): void {
    const outer = this.#batch;
    const batch: Invocation[] = [];
    this.#batch = batch;
    try {
      start();
    } finally {
      this.#batch = outer;
    }
    this.#depth++;
    try {
      for (const invocation of batch) {
        if (invocation.closed) continue;
        // A sibling aborted before its handler ran leaves no events (cancelStep discards it).
        if (this.aborted) {
          this.cancelStep(invocation, this.abortMessage);
          continue;
        }
        invocation.unannounced = false;
        this.#announce(invocation);
        this.#invoke(invocation);
      }
    } finally {
      this.#depth--;
    }
  }

  /**
   * Creates an invocation and emits its `STEP_START`, unless `announce` is false (a sibling of a
   * wave, announced when its handler is called; a join's barrier timeout, whose handler never runs).
   */
  #open(
    node: PlanNode,
    parent: Invocation | null,
    owner: string | null,
    item: unknown,
    mapOwner: Invocation | undefined,
    attempt: number,
    scope: readonly string[],
    announce = true,
  ): Invocation {
    const id = `${this.runId}:${++this.#counter}`;
    const startedAt = this.reusedNow ?? this.clock.now();
    const parentId = parent === null ? null : parent.id;
    const invocation = new Invocation(id, node, attempt, parentId, owner, scope, item, mapOwner, startedAt);
    // A retry continues its lineage (the first attempt's id).
    if (attempt > 1 && parent !== null && parent.node === node) invocation.lineage = parent.lineage;
    // With an executor, lineages follow from the parent's: a resumed run names the tasks it runs
    // again as the process before it did, so it finds the ones that process dispatched.
    else if (this.remote !== undefined && parent !== null)
      invocation.lineage = derivedLineage(parent, node, scope);
    const open = this.open.add(invocation);
    const metrics = this.metrics;
    metrics.tasksStarted++;
    if (open > metrics.peakActive) metrics.peakActive = open;
    if (announce) this.#announce(invocation);
    return invocation;
  }

  #announce(invocation: Invocation): void {
    const { node, startedAt } = invocation;
    this.emit(EventType.STEP_START, node.name, undefined, node.kind, invocation, null, startedAt);
  }

  #invoke(invocation: Invocation): void {
    const timeout = invocation.node.definition.timeout;
    if (timeout !== undefined) {
      // The step's own controller, aborted with every open invocation's when the run aborts
      // (OpenInvocations.abortAll): AbortSignal.any's bookkeeping kept ~3 KB per step alive until
      // the event loop turned.
      const controller = new AbortController();
      invocation.controller = controller;
      invocation.signal = controller.signal;
      if (this.aborted) controller.abort(this.signal.reason);
      this.armStepTimer(invocation, timeout);
    }
    this.reusedNow = undefined;
    let result: unknown;
    try {
      const { node, attempt, item, signal } = invocation;
      const remote = this.remote;
      if (remote?.takes(node)) result = executeElsewhere(this.port, invocation, remote);
      else {
        // With an executor, the state it copies elsewhere may change while local code runs.
        remote?.localCode(invocation, node.kind !== "map");
        result = this.compiled.handlers.get(node.name)!(
          new HandlerArgs(this.port, invocation, node.name, attempt, item, undefined, signal),
        );
      }
    } catch (error) {
      this.onError(invocation, error);
      return;
    }
    this.#onResult(invocation, result);
  }

  /**
   * Arms a step's `timeout`: a step still running then fails with a {@link StepTimeoutError}; one
   * whose error handlers are still deciding (the only handling that keeps the timer) fails at once.
   */
  armStepTimer(invocation: Invocation, timeout: number): void {
    invocation.timer = this.clock.setTimeout(() => {
      invocation.timer = undefined;
      if (invocation.closed) return;
      const error = new StepTimeoutError(invocation.node.name, timeout);
      invocation.controller?.abort(error);
      if (invocation.handling) {
        // A join whose barrier timed out never ran: it fails with its barrier error, without a start.
        this.failStep(invocation, invocation.standIn ? invocation.error : error);
        return;
      }
      // A sub step's timeout covers its child run: fail once the child has wound down.
      if (invocation.node.kind === "sub" && invocation.children !== undefined)
        invocation.pendingError = error;
      else this.onError(invocation, error);
    }, timeout);
  }

  #onResult(invocation: Invocation, value: unknown): void {
    if (invocation.closed || invocation.handling) return;
    if (isThenable(value)) {
      value.then(
        (resolved) => this.#onResult(invocation, resolved),
        (error) => this.onError(invocation, error),
      );
      return;
    }
    if (invocation.node.kind !== "map" && isAsyncIterator(value)) {
      streamTokens(this.port, invocation, value);
      return;
    }
    this.settleResult(invocation, value);
  }

  /**
   * Settles a handler's final result (its return value, or a generator's): closes the step and
   * starts what follows. Held while the step closes and its successors open, so the run does not
   * look idle between; the successors reuse the step end's clock read.
   */
  settleResult(invocation: Invocation, value: unknown): void {
    this.pending++;
    const outer = this.settling;
    this.settling = true;
    try {
      settle(this.port, invocation, value);
    } finally {
      this.settling = outer;
      this.reusedNow = undefined;
      this.pending--;
    }
    this.maybeIdle();
  }

  /** Starts the static successors of a completed invocation. */
  follow(invocation: Invocation): void {
    follow(this.port, invocation);
  }

  /** Prunes a step's static successors (see `transitions.ts`). */
  skipSuccessors(node: PlanNode, from: Invocation): void {
    skipSuccessors(this.port, node, from);
  }
}
