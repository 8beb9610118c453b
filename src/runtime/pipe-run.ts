import { RetryLimitError, StepTimeoutError, SubPipelineError } from "../errors/errors.js";
import { FailureJournal, messageOf, resolveOutcome, type TerminalSignal } from "../events/failure.js";
import {
  EventType,
  FailureKind,
  FailureReason,
  type NodeKind,
  type PipelineEndData,
} from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type { RunOptions } from "../model/options.js";
import type { BarrierProgress } from "./barrier.js";
import { sleep } from "./clock.js";
import type { CompiledPipe } from "./compiled-pipe.js";
import { EventQueue } from "./event-queue.js";
import { isAsyncIterator, isThenable } from "./guards.js";
import { HandlerArgs, Invocation } from "./invocation.js";
import { runShutdownHooks, runStartupHooks } from "./lifecycle-hooks.js";
import { mapWorkerClosed } from "./map.js";
import { MetaScope, pipelineMeta } from "./meta.js";
import { MetricsCollector } from "./metrics.js";
import { ObserverFeed } from "./observers.js";
import { handleError } from "./recovery.js";
import { settle, streamTokens } from "./results.js";
import { type Lineage, RunEvent } from "./run-event.js";
import { follow } from "./transitions.js";

const MAX_SYNC_DEPTH = 64;

let runPrefix: string | undefined;
let runCounter = 0;

/**
 * A run id unique across processes: a random per-process prefix (64 bits) and a counter. Ids only
 * need to be unique, not secret, so no crypto is loaded for them.
 */
function nextRunId(): string {
  runPrefix ??= randomHex() + randomHex();
  return `${runPrefix}-${(++runCounter).toString(36)}`;
}

function randomHex(): string {
  return Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
}

/** The reason a run aborts its steps' signals (an `AbortError`, like the platform's own). */
class RunAbort extends Error {
  constructor(message: string) {
    // No stack: it would only point into the scheduler, and capturing one costs microseconds.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "AbortError";
  }
}

/**
 * One execution of a pipe: owns the run's progress (open invocations, barrier waves, map
 * cursors, failures) and drives it. Events go to {@link PipeRun.queue}; the generator in
 * `RunStream` (run-pipe.ts) delivers them.
 */
export class PipeRun {
  readonly runId: string;
  readonly state: unknown;
  readonly ctx: unknown;
  readonly compiled: CompiledPipe;
  readonly clock: Clock;
  readonly queue: EventQueue<RunEvent>;
  readonly journal: FailureJournal;
  readonly metrics = new MetricsCollector();
  #runMeta: MetaScope | undefined;
  /** The run's abort controller, made on first use (a handler reading `signal`, or an abort). */
  #controller: AbortController | undefined;
  /** Why the run was aborted (fail fast, timeout, cancellation, close), once it was. */
  #abortReason: Error | undefined;
  /** Aborted when the run starts stopping (cuts retry backoffs short); made on first use. */
  #stopController: AbortController | undefined;
  /** Open invocations, in start order: an intrusive list through `Invocation.prevOpen/nextOpen`. */
  #firstOpen: Invocation | undefined;
  #lastOpen: Invocation | undefined;
  /** How many invocations are open. */
  openCount = 0;
  #barriers: Map<string, BarrierProgress> | undefined;
  #barrierTimers: Map<string, unknown> | undefined;
  #children: Set<AsyncGenerator<unknown>> | undefined;
  /** `return()` of generator steps closed before they finished (see `#generatorsClosed`). */
  #closing: Promise<unknown>[] | undefined;
  readonly options: RunOptions<unknown>;
  /** Delivers events to the pipe's observers (when it has any). */
  readonly observers: ObserverFeed | undefined;
  /** The `FINISH` payload, once the run ended (also set for a client close). */
  end: PipelineEndData | undefined;
  #seq = 0;
  #counter = 0;
  #pending = 0;
  #depth = 0;
  /** While a wave of siblings is being opened: their invocations, to run once all are open. */
  #batch: Invocation[] | undefined;
  #stopping = false;
  #terminal: TerminalSignal;
  #suspended = false;
  #onIdle: (() => void) | undefined;
  #startedAt = 0;
  /**
   * The time of the step end being settled, reused for the steps it starts in the same synchronous
   * turn (a clock read costs ~70 ns). Set only while a result settles; cleared before any handler runs.
   */
  #now: number | undefined;
  #settling = false;

  constructor(compiled: CompiledPipe, state: unknown, options: RunOptions<unknown>) {
    this.compiled = compiled;
    this.state = state;
    this.ctx = options.context;
    this.options = options;
    this.clock = options.clock ?? compiled.clock;
    this.runId = nextRunId();
    this.queue = new EventQueue(options.queueSize ?? compiled.queueSize);
    this.journal = new FailureJournal(compiled.failureClassification);
    this.observers =
      compiled.observers.length === 0
        ? undefined
        : new ObserverFeed(compiled.observers, {
            pipeName: compiled.name,
            runId: this.runId,
            state,
            ctx: options.context,
          });
    this.end = undefined;
  }

  /** Join progress of the current wave, by join step (made on first use, like the two below). */
  get barriers(): Map<string, BarrierProgress> {
    return (this.#barriers ??= new Map());
  }

  /** Barrier timeouts pending, by join step. */
  get barrierTimers(): Map<string, unknown> {
    return (this.#barrierTimers ??= new Map());
  }

  /** Child runs of sub-pipeline steps still being forwarded. */
  get children(): Set<AsyncGenerator<unknown>> {
    return (this.#children ??= new Set());
  }

  /** The run's own metadata scope (`meta.run`), made on first use. */
  get runMeta(): MetaScope {
    return (this.#runMeta ??= new MetaScope());
  }

  /** The read-only view of the pipe's `metadata` option (`meta.pipeline`). */
  get pipelineMeta(): ReturnType<typeof pipelineMeta> {
    return pipelineMeta(this.compiled.metadata);
  }

  /** True once nothing new may start (stop, suspend, failure, timeout, cancellation, close). */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The run's signal: aborts on fail fast, run timeout, cancellation and client close. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** True once the run aborted its steps (not for a graceful Stop or Suspend). */
  get aborted(): boolean {
    return this.#abortReason !== undefined;
  }

  /** The message of the abort, once the run aborted. */
  get abortMessage(): string {
    return messageOf(this.#abortReason);
  }

  /** The signal a step's handler sees: its own when it has a timeout, else the run's. */
  signalOf(inv: Invocation): AbortSignal {
    return inv.signal ?? this.signal;
  }

  // ---------------------------------------------------------------- events

  /** Creates, numbers and queues an event. */
  emit(
    type: EventType,
    stage: string,
    payload: unknown,
    nodeKind: NodeKind,
    lineage: Lineage | null,
    meta: Readonly<Record<string, unknown>> | null = null,
    timestamp: number = this.clock.now(),
  ): RunEvent {
    let event = new RunEvent(
      type,
      stage,
      payload,
      timestamp,
      this.runId,
      nodeKind,
      lineage,
      ++this.#seq,
      meta,
    );
    if (this.compiled.eventHooks.length > 0) event = this.#applyEventHooks(event);
    this.metrics.observe(event);
    this.queue.push(event);
    return event;
  }

  /** Queues an event forwarded from a child run, renumbered for this stream. */
  forward(event: RunEvent): void {
    event.runId = this.runId;
    event.seq = ++this.#seq;
    let out = event;
    if (this.compiled.eventHooks.length > 0) out = this.#applyEventHooks(event);
    // Not counted in this run's metrics: the child's own FINISH carries its metrics.
    this.queue.push(out);
  }

  #applyEventHooks(event: RunEvent): RunEvent {
    let current = event;
    for (const hook of this.compiled.eventHooks) {
      try {
        const next = hook(current as never) as unknown;
        if (isThenable(next)) {
          next.then(undefined, () => {});
          throw new TypeError(
            `Event hook ${hook.name || "(anonymous)"} returned a Promise; event hooks are synchronous: return the event itself.`,
          );
        }
        if (next === null || typeof next !== "object" || typeof (next as RunEvent).type !== "string") {
          throw new TypeError(
            `Event hook ${hook.name || "(anonymous)"} returned ${next === null ? "null" : typeof next}; an event hook must return the event (modified or not).`,
          );
        }
        current = next as RunEvent;
      } catch (error) {
        this.journal.record(FailureKind.INFRA, FailureReason.INTERNAL_ERROR, error, undefined);
      }
    }
    return current;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Runs the whole lifecycle: startup hooks, steps, shutdown hooks, `FINISH`. The rarely needed
   * phases live in their own functions: this one runs once per run, and V8 compiles what it inlines.
   */
  async execute(): Promise<void> {
    this.#startedAt = this.clock.now();
    const disarm =
      this.options.timeout === undefined && this.options.signal === undefined ? undefined : this.#arm();
    try {
      const ready =
        this.observers === undefined && this.compiled.startupHooks.length === 0
          ? !this.#stopping
          : await this.#startUp();
      if (ready && this.#begin()) {
        // Idle is signalled synchronously, possibly just before a successor starts: check again.
        while (!this.#isIdle()) await new Promise<void>(this.#waitIdle);
      }
    } catch (error) {
      this.journal.record(FailureKind.INFRA, FailureReason.INTERNAL_ERROR, error, undefined);
      this.#abortAll(new RunAbort(`Internal error: ${messageOf(error)}`));
    } finally {
      disarm?.();
    }
    if (this.#barrierTimers !== undefined) this.#clearBarrierTimers();
    if (
      (this.#children !== undefined && this.#children.size > 0) ||
      this.#closing !== undefined ||
      this.compiled.shutdownHooks.length > 0
    ) {
      await this.#windDown();
    }
    this.#finish();
  }

  /** Arms the run `timeout` and the run `signal`; returns what disarms them. */
  #arm(): () => void {
    const { signal, timeout } = this.options;
    let timer: unknown;
    let onAbort: (() => void) | undefined;
    if (timeout !== undefined) {
      timer = this.clock.setTimeout(
        () => this.terminate("timeout", `Run exceeded its timeout of ${timeout} ms`),
        timeout,
      );
    }
    if (signal !== undefined) {
      onAbort = () => this.terminate("cancelled", `Run cancelled: ${messageOf(signal.reason ?? "aborted")}`);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    return () => {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    };
  }

  /** Observers' `onPipelineStart`, then the startup hooks; true when the steps may start. */
  async #startUp(): Promise<boolean> {
    if (this.observers !== undefined) await this.observers.start();
    return this.compiled.startupHooks.length === 0 ? !this.#stopping : await runStartupHooks(this);
  }

  /** Emits `START` and starts the roots; false when there is nothing to start. */
  #begin(): boolean {
    if (this.compiled.plan.nodes.size === 0) {
      const error = new Error("No steps registered: add steps with pipe.step() before run().");
      this.emit(
        EventType.STEP_ERROR,
        "system",
        { message: error.message, error, retrying: false },
        "system",
        null,
      );
      this.journal.record(
        FailureKind.VALIDATION,
        FailureReason.NO_STEPS,
        error,
        undefined,
        "No steps registered",
      );
      return false;
    }
    if (this.#stopping) return false;
    this.emit(EventType.START, "system", this.state, "system", null);
    this.#startRoots();
    return true;
  }

  #clearBarrierTimers(): void {
    for (const timerHandle of this.#barrierTimers!.values()) this.clock.clearTimeout(timerHandle);
    this.#barrierTimers!.clear();
  }

  /** After the steps: closes child runs and cut-short generators, then runs the shutdown hooks. */
  async #windDown(): Promise<void> {
    if (this.#children !== undefined && this.#children.size > 0) await this.#closeChildren();
    if (this.#closing !== undefined) await this.#generatorsClosed();
    if (this.compiled.shutdownHooks.length > 0) await runShutdownHooks(this);
  }

  /** Decides the outcome, emits `FINISH` (unless the consumer left) and closes the queue. */
  #finish(): void {
    const end = this.#outcome();
    this.end = end;
    if (this.#terminal !== "client_closed") {
      this.emit(EventType.FINISH, "system", end, "system", null, this.#runMeta?.snapshot() ?? null);
    }
    this.queue.close();
  }

  #outcome(): PipelineEndData {
    const signal = this.#terminal ?? (this.#suspended ? "suspended" : undefined);
    return resolveOutcome(
      signal,
      this.journal,
      this.clock.now() - this.#startedAt,
      this.metrics.snapshot(this.queue.maxDepth),
    );
  }

  #startRoots(): void {
    const nodes = this.compiled.plan.nodes;
    const start = this.options.start;
    const roots = start === undefined ? this.compiled.plan.roots : [this.compiled.nameOf(start)!];
    if (roots.length === 1) this.startStep(nodes.get(roots[0]!)!, null, null, undefined);
    else
      this.startTogether(() => {
        for (const root of roots) this.startStep(nodes.get(root)!, null, null, undefined);
      });
  }

  /** Resolves when the run is idle: nothing open, nothing pending (or stopping). */
  readonly #waitIdle = (resolve: () => void): void => {
    this.#onIdle = resolve;
    this.#maybeIdle();
  };

  #isIdle(): boolean {
    // Once stopping, pending background work (backoffs, pulls, timers) can start nothing new.
    return this.openCount === 0 && (this.#pending === 0 || this.#stopping);
  }

  #maybeIdle(): void {
    if (this.#onIdle !== undefined && this.#isIdle()) {
      const resolve = this.#onIdle;
      this.#onIdle = undefined;
      resolve();
    }
  }

  /** Marks outstanding background work (a retry backoff, a map pull, a barrier timer). */
  hold(): void {
    this.#pending++;
  }

  /** Ends a {@link PipeRun.hold}. */
  release(): void {
    this.#pending--;
    this.#maybeIdle();
  }

  // ---------------------------------------------------------------- starting steps

  /**
   * Starts an invocation of `node`. `parent` is the invocation that caused it (a predecessor,
   * jumper, retried attempt or map owner). Returns undefined when the run is stopping.
   */
  startStep(
    node: PlanNode,
    parent: Invocation | null,
    owner: string | null,
    item: unknown,
    mapOwner?: Invocation,
    attempt = 1,
    scope: readonly string[] = parent === null ? [] : parent.scope,
  ): Invocation | undefined {
    if (this.#stopping) return undefined;
    if (this.#depth > MAX_SYNC_DEPTH) {
      // A long chain of synchronous steps: continue on a fresh stack.
      this.#pending++;
      queueMicrotask(() => {
        this.#pending--;
        const started = this.startStep(node, parent, owner, item, mapOwner, attempt, scope);
        if (started === undefined && this.#stopping && mapOwner !== undefined)
          mapWorkerClosed(this, mapOwner);
        this.#maybeIdle();
      });
      return undefined;
    }
    const inv = this.openInvocation(node, parent, owner, item, mapOwner, attempt, scope);
    if (this.#batch !== undefined) {
      this.#batch.push(inv);
      return inv;
    }
    this.#depth++;
    try {
      this.#invoke(inv);
    } finally {
      this.#depth--;
    }
    return inv;
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
      for (const inv of batch) {
        if (inv.closed) continue;
        if (this.aborted) this.cancelStep(inv, this.abortMessage);
        else this.#invoke(inv);
      }
    } finally {
      this.#depth--;
    }
  }

  /** Creates an invocation and emits its `STEP_START`. */
  openInvocation(
    node: PlanNode,
    parent: Invocation | null,
    owner: string | null,
    item: unknown,
    mapOwner: Invocation | undefined,
    attempt: number,
    scope: readonly string[],
  ): Invocation {
    const inv = new Invocation(
      `${this.runId}:${++this.#counter}`,
      node,
      attempt,
      parent === null ? null : parent.id,
      owner,
      scope,
      item,
      mapOwner,
      this.#now ?? this.clock.now(),
    );
    const last = this.#lastOpen;
    if (last === undefined) this.#firstOpen = inv;
    else {
      last.nextOpen = inv;
      inv.prevOpen = last;
    }
    this.#lastOpen = inv;
    const open = ++this.openCount;
    const metrics = this.metrics;
    metrics.tasksStarted++;
    if (open > metrics.peakActive) metrics.peakActive = open;
    this.emit(EventType.STEP_START, node.name, undefined, node.kind, inv, null, inv.startedAt);
    return inv;
  }

  #invoke(inv: Invocation): void {
    const timeout = inv.node.definition.timeout;
    if (timeout !== undefined) {
      const controller = new AbortController();
      inv.controller = controller;
      inv.signal = AbortSignal.any([this.signal, controller.signal]);
      inv.timer = this.clock.setTimeout(() => {
        inv.timer = undefined;
        if (inv.closed || inv.handling) return;
        const error = new StepTimeoutError(inv.node.name, timeout);
        controller.abort(error);
        // A sub step's timeout covers its child run: fail once the child has wound down.
        if (inv.node.kind === "sub" && inv.children !== undefined) inv.pendingError = error;
        else this.onError(inv, error);
      }, timeout);
    }
    const handler = this.compiled.handlers.get(inv.node.name)!;
    this.#now = undefined;
    let result: unknown;
    try {
      result = handler(
        new HandlerArgs(this, inv, inv.node.name, inv.attempt, inv.item, undefined, inv.signal),
      );
    } catch (error) {
      this.onError(inv, error);
      return;
    }
    this.#onResult(inv, result);
  }

  #onResult(inv: Invocation, value: unknown): void {
    if (inv.closed || inv.handling) return;
    if (isThenable(value)) {
      value.then(
        (v) => this.#onResult(inv, v),
        (e) => this.onError(inv, e),
      );
      return;
    }
    if (inv.node.kind !== "map" && isAsyncIterator(value)) {
      streamTokens(this, inv, value);
      return;
    }
    this.settleResult(inv, value);
  }

  /**
   * Settles a handler's final result (its return value, or a generator's): closes the step and
   * starts what follows. Held while the step closes and its successors open, so the run does not
   * look idle between; the successors reuse the step end's clock read.
   */
  settleResult(inv: Invocation, value: unknown): void {
    this.#pending++;
    const outer = this.#settling;
    this.#settling = true;
    try {
      settle(this, inv, value);
    } finally {
      this.#settling = outer;
      this.#now = undefined;
      this.#pending--;
    }
    this.#maybeIdle();
  }

  // ---------------------------------------------------------------- results

  /** Closes an invocation with `STEP_END`. */
  endStep(inv: Invocation): void {
    const durationMs = this.#emitTerminal(
      inv,
      EventType.STEP_END,
      undefined,
      inv.handling ? "recovered" : "success",
    );
    this.metrics.stepEnded(inv.node, durationMs);
    this.#close(inv, false);
  }

  /** Emits an invocation's terminal event with its framework meta; returns its duration. */
  #emitTerminal(
    inv: Invocation,
    type: EventType,
    payload: unknown,
    status: "success" | "recovered" | "error" | "cancelled",
  ): number {
    const now = this.clock.now();
    // Reused by the steps this end starts, unless user code (an event hook) runs in between.
    if (this.#settling && this.compiled.eventHooks.length === 0) this.#now = now;
    const durationMs = now - inv.startedAt;
    const meta = this.#stepMeta(inv, durationMs, status);
    this.emit(type, inv.node.name, payload, inv.node.kind, inv, meta, now);
    return durationMs;
  }

  #stepMeta(inv: Invocation, durationMs: number, status: "success" | "recovered" | "error" | "cancelled") {
    const user = inv.stepMeta?.snapshot();
    // A step whose error handler recovered it says so, with the error it recovered from.
    const framework =
      status === "recovered"
        ? { durationMs, attempt: inv.attempt, status, error: messageOf(inv.error) }
        : { durationMs, attempt: inv.attempt, status };
    return user === undefined ? { framework } : { ...user, framework };
  }

  /** Marks an invocation closed (its terminal event is already queued). */
  #close(inv: Invocation, retrying: boolean): void {
    inv.closed = true;
    this.clearStepTimer(inv);
    if (inv.iterator !== undefined) {
      const iterator = inv.iterator;
      inv.iterator = undefined;
      this.#closeIterator(iterator);
    }
    this.#unlink(inv);
    this.metrics.tasksCompleted++;
    if (!retrying && inv.mapOwner !== undefined) mapWorkerClosed(this, inv.mapOwner);
    this.#maybeIdle();
  }

  /** Closes a generator step's iterator; its `finally` blocks are waited for before shutdown hooks. */
  #closeIterator(iterator: AsyncIterator<unknown>): void {
    let closed: unknown;
    try {
      closed = iterator.return?.(undefined);
    } catch {
      return; // an iterator that fails to close has nothing left to give
    }
    if (isThenable(closed)) (this.#closing ??= []).push(Promise.resolve(closed).then(undefined, () => {}));
  }

  /**
   * Waits for closed generators to finish their `finally` blocks (a generator that honours its
   * signal does so within microtasks of the abort), but no longer than one macrotask turn: one
   * that ignores its signal cannot hold the run open.
   */
  async #generatorsClosed(): Promise<void> {
    const closing = this.#closing!;
    this.#closing = undefined;
    let handle: ReturnType<typeof setImmediate> | undefined;
    const turn = new Promise<void>((resolve) => {
      handle = setImmediate(resolve);
    });
    await Promise.race([Promise.all(closing), turn]);
    clearImmediate(handle);
  }

  /** Cancels a step's pending `timeout` timer, if it has one. */
  clearStepTimer(inv: Invocation): void {
    if (inv.timer !== undefined) {
      this.clock.clearTimeout(inv.timer);
      inv.timer = undefined;
    }
  }

  /** Takes an invocation off the open list (once). */
  #unlink(inv: Invocation): void {
    const { prevOpen, nextOpen } = inv;
    if (prevOpen === undefined) {
      if (this.#firstOpen !== inv) return;
      this.#firstOpen = nextOpen;
    } else prevOpen.nextOpen = nextOpen;
    if (nextOpen === undefined) this.#lastOpen = prevOpen;
    else nextOpen.prevOpen = prevOpen;
    inv.prevOpen = inv.nextOpen = undefined;
    this.openCount--;
  }

  /** Closes an invocation with `CANCELLED`. */
  cancelStep(inv: Invocation, reason: string): void {
    if (inv.closed) return;
    this.#emitTerminal(inv, EventType.CANCELLED, { reason }, "cancelled");
    this.#close(inv, false);
  }

  // ---------------------------------------------------------------- transitions

  /** Starts the static successors of a completed invocation. */
  follow(inv: Invocation): void {
    follow(this, inv);
  }

  // ---------------------------------------------------------------- errors

  /**
   * Handles an invocation's error (automatic retry, error handlers, fail fast); see `recovery.ts`.
   * `controlFailure` marks errors the runtime raised while applying a result.
   */
  onError(inv: Invocation, error: unknown, controlFailure = false): void {
    handleError(this, inv, error, controlFailure);
  }

  retry(inv: Invocation, error: unknown, delay = 0): void {
    if (this.#stopping) {
      this.cancelStep(inv, "The run stopped before the step could run again");
      return;
    }
    if (inv.attempt >= this.compiled.maxRetries) {
      this.failStep(inv, new RetryLimitError(inv.node.name, this.compiled.maxRetries, { cause: error }));
      return;
    }
    this.metrics.retries++;
    if (error === undefined) this.#emitTerminal(inv, EventType.STEP_END, undefined, "success");
    else {
      const payload = { message: messageOf(error), error, retrying: true };
      this.#emitTerminal(inv, EventType.STEP_ERROR, payload, "error");
    }
    this.hold();
    this.#close(inv, true);
    const again = () => {
      if (!this.#stopping) {
        this.startStep(
          inv.node,
          inv,
          inv.ownerInvocationId,
          inv.item,
          inv.mapOwner,
          inv.attempt + 1,
          inv.scope,
        );
      } else if (inv.mapOwner !== undefined) mapWorkerClosed(this, inv.mapOwner);
      this.release();
    };
    if (delay <= 0) again();
    else {
      this.#stopController ??= new AbortController();
      sleep(this.clock, delay, this.#stopController.signal).then(again, again);
    }
  }

  /** Closes an invocation with `STEP_ERROR`, records the failure and stops the run (fail fast). */
  failStep(inv: Invocation, error: unknown): void {
    if (inv.closed) return;
    const message = messageOf(error);
    const stepLabel =
      error instanceof SubPipelineError ? `${inv.node.name}:${error.failedStep}` : inv.node.name;
    this.#emitTerminal(inv, EventType.STEP_ERROR, { message, error, retrying: false }, "error");
    this.journal.record(FailureKind.STEP, FailureReason.STEP_ERROR, error, stepLabel, message);
    this.#abortAll(new RunAbort(`Run stopped because step '${stepLabel}' failed: ${message}`));
    this.#close(inv, false);
  }

  // ---------------------------------------------------------------- stopping

  /** Stops starting new work; running steps finish (Stop, Suspend). */
  stop(suspended: boolean): void {
    if (suspended) this.#suspended = true;
    this.beginStopping();
  }

  /** Nothing new starts from now on: cut backoffs short and drop waiting barrier timers. */
  beginStopping(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    if (this.#barrierTimers !== undefined) {
      for (const timer of this.#barrierTimers.values()) {
        this.clock.clearTimeout(timer);
        this.release();
      }
      this.#barrierTimers.clear();
    }
    this.#stopController?.abort();
  }

  #abortAll(reason: Error): void {
    this.beginStopping();
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    for (let inv = this.#firstOpen; inv !== undefined; inv = inv.nextOpen) inv.controller?.abort(reason);
  }

  /** Ends the run now from outside (run timeout, cancellation): closes every open invocation. */
  terminate(signal: "timeout" | "cancelled", reason: string): void {
    if (this.#terminal !== undefined || this.queue.closed) return;
    this.#terminal = signal;
    this.emit(
      signal === "timeout" ? EventType.TIMEOUT : EventType.CANCELLED,
      "system",
      { reason },
      "system",
      null,
    );
    this.#abortAll(new RunAbort(reason));
    this.#closeAllOpen(reason);
  }

  /** The consumer left the loop: stop everything, emit nothing more. */
  closeByClient(): void {
    if (this.queue.closed) return;
    this.#terminal = "client_closed";
    this.queue.discard();
    this.#abortAll(new RunAbort("The consumer closed the event stream"));
    this.#closeAllOpen("The consumer closed the event stream");
  }

  #closeAllOpen(reason: string): void {
    // Children before owners: close in reverse start order, skipping owners whose child run is still winding down.
    const open: Invocation[] = [];
    for (let inv = this.#lastOpen; inv !== undefined; inv = inv.prevOpen) open.push(inv);
    for (const inv of open) {
      if (inv.node.kind === "sub" && inv.children !== undefined) continue;
      this.cancelStep(inv, reason);
    }
    this.#maybeIdle();
  }

  async #closeChildren(): Promise<void> {
    if (this.#children === undefined || this.#children.size === 0) return;
    await Promise.allSettled([...this.children].map((child) => child.return(undefined)));
  }
}
