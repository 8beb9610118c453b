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
    return this.#start(node, from, null, undefined, undefined, 1, from.scope);
  }

  /** Starts a map worker of `owner` on `item`. */
  startMapWorker(
    worker: PlanNode,
    owner: Invocation,
    item: unknown,
    scope: readonly string[],
  ): Invocation | undefined {
    return this.#start(worker, owner, owner.id, item, owner, 1, scope);
  }

  /** Opens a stand-in invocation of a join that never ran, so its `onError` applies to its timeout. */
  openStandIn(node: PlanNode, from: Invocation): Invocation {
    return this.#open(node, from, null, undefined, undefined, 1, from.scope);
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
    if (this.#depth > MAX_SYNC_DEPTH) {
      // A long chain of synchronous steps: continue on a fresh stack.
      this.pending++;
      queueMicrotask(() => {
        this.pending--;
        const started = this.#start(node, parent, owner, item, mapOwner, attempt, scope);
        if (started === undefined && this.stopping && mapOwner !== undefined)
          mapWorkerClosed(this.port, mapOwner);
        this.maybeIdle();
      });
      return undefined;
    }
    const invocation = this.#open(node, parent, owner, item, mapOwner, attempt, scope);
    if (this.#batch !== undefined) {
      this.#batch.push(invocation);
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
        if (this.aborted) this.cancelStep(invocation, this.abortMessage);
        else this.#invoke(invocation);
      }
    } finally {
      this.#depth--;
    }
  }

  /** Creates an invocation and emits its `STEP_START`. */
  #open(
    node: PlanNode,
    parent: Invocation | null,
    owner: string | null,
    item: unknown,
    mapOwner: Invocation | undefined,
    attempt: number,
    scope: readonly string[],
  ): Invocation {
    const id = `${this.runId}:${++this.#counter}`;
    const startedAt = this.reusedNow ?? this.clock.now();
    const parentId = parent === null ? null : parent.id;
    const invocation = new Invocation(id, node, attempt, parentId, owner, scope, item, mapOwner, startedAt);
    const open = this.open.add(invocation);
    const metrics = this.metrics;
    metrics.tasksStarted++;
    if (open > metrics.peakActive) metrics.peakActive = open;
    this.emit(EventType.STEP_START, node.name, undefined, node.kind, invocation, null, startedAt);
    return invocation;
  }

  #invoke(invocation: Invocation): void {
    const timeout = invocation.node.definition.timeout;
    if (timeout !== undefined) this.#armStepTimer(invocation, timeout);
    this.reusedNow = undefined;
    let result: unknown;
    try {
      const { node, attempt, item, signal } = invocation;
      const remote = this.remote;
      result = remote?.takes(node)
        ? executeElsewhere(this.port, invocation, remote)
        : this.compiled.handlers.get(node.name)!(
            new HandlerArgs(this.port, invocation, node.name, attempt, item, undefined, signal),
          );
    } catch (error) {
      this.onError(invocation, error);
      return;
    }
    this.#onResult(invocation, result);
  }

  #armStepTimer(invocation: Invocation, timeout: number): void {
    const controller = new AbortController();
    invocation.controller = controller;
    invocation.signal = AbortSignal.any([this.signal, controller.signal]);
    invocation.timer = this.clock.setTimeout(() => {
      invocation.timer = undefined;
      if (invocation.closed || invocation.handling) return;
      const error = new StepTimeoutError(invocation.node.name, timeout);
      controller.abort(error);
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
