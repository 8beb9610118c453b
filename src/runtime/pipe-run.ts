import { randomUUID } from "node:crypto";
import type { CompiledPipe } from "../definition/compiled.js";
import { Raise, Retry, Skip, Stop, Suspend } from "../definition/control.js";
import type { AnyHandler, HookArgs, RunOptions, Target } from "../definition/types.js";
import {
  BarrierTimeoutError,
  RetryLimitError,
  StepNotFoundError,
  StepTimeoutError,
  SubPipelineError,
} from "../errors/errors.js";
import { FailureJournal, messageOf, resolveOutcome, type TerminalSignal } from "../events/failure.js";
import {
  EventType,
  FailureKind,
  FailureReason,
  type NodeKind,
  type PipelineEndData,
} from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import { didYouMean } from "../graph/similar.js";
import { arrive, type BarrierProgress, newWave, waitingFor } from "./barrier.js";
import { type Clock, sleep } from "./clock.js";
import { EventQueue } from "./event-queue.js";
import { HandlerArgs, Invocation } from "./invocation.js";
import { mapWorkerClosed, startMap } from "./map.js";
import { MetaScope, pipelineMeta } from "./meta.js";
import { MetricsCollector } from "./metrics.js";
import { ObserverFeed } from "./observers.js";
import { backoffDelay, type RetryPolicy, retryPolicy } from "./retry.js";
import { type Lineage, RunEvent } from "./run-event.js";
import { startSub } from "./sub.js";

const KIND: Record<PlanNode["kind"], NodeKind> = { step: "step", map: "map", switch: "switch", sub: "sub" };
const MAX_SYNC_DEPTH = 64;
const warnedSteps = new WeakSet<PlanNode>();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function"
  );
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> & AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { next?: unknown }).next === "function" &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** Rejects with the signal's reason when it aborts first. */
function raceAbort<T>(value: T | PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (!isThenable(value)) return Promise.resolve(value);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    value.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

class RunAbort extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbortError";
  }
}

/**
 * One execution of a pipe: owns the run's progress (open invocations, barrier waves, map
 * cursors, failures) and drives it. Events go to {@link PipeRun.queue}; the generator in
 * `run-pipe.ts` delivers them.
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
  readonly runMeta = new MetaScope();
  readonly pipelineMeta: ReturnType<typeof pipelineMeta>;
  readonly controller = new AbortController();
  /** Aborted when the run starts stopping (cuts retry backoffs short); made on first use. */
  #stopController: AbortController | undefined;
  /** Open invocations, in start order. */
  readonly open = new Set<Invocation>();
  /** Join progress of the current wave, by join step. */
  readonly barriers = new Map<string, BarrierProgress>();
  readonly #barrierTimers = new Map<string, unknown>();
  /** Child runs of sub-pipeline steps still being forwarded. */
  readonly children = new Set<AsyncGenerator<unknown>>();
  readonly options: RunOptions<unknown>;
  /** Delivers events to the pipe's observers (when it has any). */
  readonly observers: ObserverFeed | undefined;
  /** The `FINISH` payload, once the run ended (also set for a client close). */
  end: PipelineEndData | undefined;
  readonly #policies = new Map<PlanNode, RetryPolicy>();
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

  constructor(compiled: CompiledPipe, state: unknown, options: RunOptions<unknown>) {
    this.compiled = compiled;
    this.state = state;
    this.ctx = options.context;
    this.options = options;
    this.clock = options.clock ?? compiled.clock;
    this.runId = randomUUID();
    this.queue = new EventQueue(options.queueSize ?? compiled.queueSize);
    this.journal = new FailureJournal(compiled.failureClassification);
    this.pipelineMeta = pipelineMeta(compiled.metadata);
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

  /** True once nothing new may start (stop, suspend, failure, timeout, cancellation, close). */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** The external signal, timeout or close that ended the run, if any. */
  get terminal(): TerminalSignal {
    return this.#terminal;
  }

  // ---------------------------------------------------------------- events

  /** Creates, numbers and queues an event. */
  emit(
    type: EventType,
    stage: string,
    payload: unknown,
    nodeKind: NodeKind,
    lineage: Lineage | null,
  ): RunEvent {
    let event = new RunEvent(
      type,
      stage,
      payload,
      this.clock.now(),
      this.runId,
      nodeKind,
      lineage,
      ++this.#seq,
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
    this.metrics.observe(out);
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

  /** Runs the whole lifecycle: startup hooks, steps, shutdown hooks, `FINISH`. */
  async execute(): Promise<void> {
    this.#startedAt = this.clock.now();
    const { signal, timeout } = this.options;
    let timer: unknown;
    const onAbort = () =>
      this.terminate("cancelled", `Run cancelled: ${messageOf(signal?.reason ?? "aborted")}`);
    if (timeout !== undefined) {
      timer = this.clock.setTimeout(
        () => this.terminate("timeout", `Run exceeded its timeout of ${timeout} ms`),
        timeout,
      );
    }
    if (signal !== undefined) {
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    try {
      if (this.observers !== undefined) await this.observers.start();
      const started =
        this.compiled.startupHooks.length === 0 ? !this.#stopping : await this.#runStartupHooks();
      if (started) {
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
        } else if (!this.#stopping) {
          this.emit(EventType.START, "system", this.state, "system", null);
          await this.#executeSteps();
        }
      }
    } catch (error) {
      this.journal.record(FailureKind.INFRA, FailureReason.INTERNAL_ERROR, error, undefined);
      this.#abortAll(new RunAbort(`Internal error: ${messageOf(error)}`));
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
    for (const timerHandle of this.#barrierTimers.values()) this.clock.clearTimeout(timerHandle);
    this.#barrierTimers.clear();
    if (this.children.size > 0) await this.#closeChildren();
    if (this.compiled.shutdownHooks.length > 0) await this.#runShutdownHooks();
    const end = this.#outcome();
    this.end = end;
    if (this.#terminal !== "client_closed") {
      const finish = this.emit(EventType.FINISH, "system", end, "system", null);
      finish.meta = this.runMeta.snapshot() ?? null;
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

  #hookArgs(signal: AbortSignal = this.controller.signal): HookArgs<unknown, unknown> {
    const owner = { stepMeta: undefined };
    return new HandlerArgs(this, owner, "system", 1, undefined, undefined, signal);
  }

  async #runStartupHooks(): Promise<boolean> {
    for (const hook of this.compiled.startupHooks) {
      if (this.#stopping) return false;
      try {
        await raceAbort(hook(this.#hookArgs()), this.controller.signal);
      } catch (error) {
        if (this.#stopping) return false;
        const message = `Startup hook failed: ${messageOf(error)}`;
        this.emit(EventType.STEP_ERROR, "startup", { message, error, retrying: false }, "system", null);
        this.journal.record(FailureKind.STARTUP, FailureReason.STARTUP_HOOK_ERROR, error, undefined, message);
        this.#beginStopping();
        return false;
      }
    }
    return !this.#stopping;
  }

  async #runShutdownHooks(): Promise<void> {
    // Cleanup gets a live signal, even when the run itself was aborted.
    const signal = new AbortController().signal;
    for (const hook of this.compiled.shutdownHooks) {
      try {
        await hook(this.#hookArgs(signal));
      } catch (error) {
        const message = `Shutdown hook failed: ${messageOf(error)}`;
        this.emit(EventType.STEP_ERROR, "shutdown", { message, error, retrying: false }, "system", null);
        this.journal.record(
          FailureKind.SHUTDOWN,
          FailureReason.SHUTDOWN_HOOK_ERROR,
          error,
          undefined,
          message,
        );
      }
    }
  }

  async #executeSteps(): Promise<void> {
    const idle = new Promise<void>((resolve) => {
      this.#onIdle = resolve;
    });
    const startName = this.options.start === undefined ? undefined : this.#nameOf(this.options.start);
    const roots = startName === undefined ? this.compiled.plan.roots : [startName];
    this.#pending++;
    const nodes = this.compiled.plan.nodes;
    if (roots.length === 1) this.startStep(nodes.get(roots[0]!)!, null, null, undefined);
    else
      this.#startTogether(() => {
        for (const root of roots) this.startStep(nodes.get(root)!, null, null, undefined);
      });
    this.#pending--;
    this.#maybeIdle();
    await idle;
    // Idle is signalled synchronously, possibly just before a successor starts: check again.
    while (!this.#isIdle()) {
      await new Promise<void>((resolve) => {
        this.#onIdle = resolve;
        this.#maybeIdle();
      });
    }
  }

  #isIdle(): boolean {
    // Once stopping, pending background work (backoffs, pulls, timers) can start nothing new.
    return this.open.size === 0 && (this.#pending === 0 || this.#stopping);
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

  #nameOf(target: Target): string | undefined {
    return typeof target === "string" ? target : this.compiled.nameOf(target as AnyHandler);
  }

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
    const inv = this.#openInvocation(node, parent, owner, item, mapOwner, attempt, scope);
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
  #startTogether(start: () => void): void {
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
        if (this.controller.signal.aborted) this.cancelStep(inv, messageOf(this.controller.signal.reason));
        else this.#invoke(inv);
      }
    } finally {
      this.#depth--;
    }
  }

  /** Creates an invocation and emits its `STEP_START`. */
  #openInvocation(
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
      this.clock.now(),
      this.controller.signal,
    );
    this.open.add(inv);
    const metrics = this.metrics;
    metrics.tasksStarted++;
    if (this.open.size > metrics.peakActive) metrics.peakActive = this.open.size;
    this.emit(EventType.STEP_START, node.name, undefined, KIND[node.kind], inv);
    return inv;
  }

  #invoke(inv: Invocation): void {
    const timeout = inv.node.definition.timeout;
    if (timeout !== undefined) {
      const controller = new AbortController();
      inv.controller = controller;
      inv.signal = AbortSignal.any([this.controller.signal, controller.signal]);
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
      void this.#stream(inv, value);
      return;
    }
    this.#settle(inv, value);
  }

  async #stream(inv: Invocation, iterator: AsyncIterator<unknown>): Promise<void> {
    inv.iterator = iterator;
    const queue = this.queue;
    const kind = KIND[inv.node.kind];
    const stage = inv.node.name;
    try {
      for (;;) {
        const step = await iterator.next();
        if (inv.closed) return;
        if (step.done) {
          inv.iterator = undefined;
          this.#settle(inv, step.value);
          return;
        }
        this.emit(EventType.TOKEN, stage, step.value, kind, inv);
        if (queue.full) {
          await queue.waitForSpace();
          if (inv.closed) return;
        }
      }
    } catch (error) {
      inv.iterator = undefined;
      this.onError(inv, error);
    }
  }

  // ---------------------------------------------------------------- results

  #settle(inv: Invocation, value: unknown): void {
    if (inv.closed || inv.handling) return;
    if (inv.timer !== undefined && inv.node.kind !== "sub") {
      this.clock.clearTimeout(inv.timer);
      inv.timer = undefined;
    }
    const kind = inv.node.kind;
    if (value instanceof Raise) {
      this.onError(
        inv,
        value.error ?? new Error(`Step '${inv.node.name}' returned Raise() without an error.`),
      );
      return;
    }
    if (value instanceof Retry) {
      this.#retry(inv, undefined);
      return;
    }
    if (kind === "step" || value === Stop || value instanceof Suspend || value instanceof Skip) {
      this.#control(inv, value);
      return;
    }
    if (kind === "map") startMap(this, inv, value);
    else if (kind === "switch") this.#route(inv, value);
    else startSub(this, inv, value);
  }

  /** Applies a step's (or error handler's) control result. */
  #control(inv: Invocation, value: unknown): void {
    if (value === undefined || value === null) {
      this.endStep(inv);
      this.follow(inv);
      return;
    }
    if (typeof value === "string" || typeof value === "function") {
      const target = this.#resolveJump(inv, value as Target);
      if (target === undefined) return;
      this.endStep(inv);
      this.#skipSuccessors(inv.node, inv);
      this.startStep(target, inv, null, undefined, undefined, 1);
      return;
    }
    if (value === Stop) {
      this.endStep(inv);
      this.stop(false);
      return;
    }
    if (value instanceof Suspend) {
      this.emit(
        EventType.SUSPEND,
        inv.node.name,
        { reason: value.reason, step: inv.node.name },
        KIND[inv.node.kind],
        inv,
      );
      this.endStep(inv);
      this.stop(true);
      return;
    }
    if (value instanceof Skip) {
      this.endStep(inv);
      this.#skipSuccessors(inv.node, inv);
      return;
    }
    if (!warnedSteps.has(inv.node)) {
      warnedSteps.add(inv.node);
      process.emitWarning(
        `Step '${inv.node.name}' returned ${typeof value} (${messageOf(value).slice(0, 80)}), which is ignored. A step returns nothing, a step name or handler to jump to, Stop, or new Suspend(); pass data through state or yield tokens. (An arrow function without braces returns its expression.)`,
        { type: "JustpipeWarning" },
      );
    }
    this.endStep(inv);
    this.follow(inv);
  }

  #resolveJump(inv: Invocation, target: Target): PlanNode | undefined {
    const name = this.#nameOf(target);
    const node = name === undefined ? undefined : this.compiled.plan.nodes.get(name);
    const routes = inv.node.routes;
    if (node === undefined) {
      const shown = typeof target === "string" ? `'${target}'` : `function ${target.name || "(anonymous)"}`;
      const names = this.compiled.plan.nodes.keys();
      this.onError(
        inv,
        new StepNotFoundError(
          `Step '${inv.node.name}' returned ${shown}, which is not a registered step.${typeof target === "string" ? didYouMean(target, names) : ""} A returned string is a jump; if you meant to set state, wrap the arrow function's body in braces.`,
        ),
        true,
      );
      return undefined;
    }
    if (routes !== null && !routes.has(node.name) && inv.node.kind === "step") {
      this.onError(
        inv,
        new StepNotFoundError(
          `Step '${inv.node.name}' jumped to '${node.name}', which is not in its \`routes\` [${[...routes].join(", ")}]. Add '${node.name}' to its routes option.`,
        ),
        true,
      );
      return undefined;
    }
    return node;
  }

  #route(inv: Invocation, value: unknown): void {
    const node = inv.node;
    const routes = node.definition.switchRoutes;
    let target: unknown;
    if (typeof routes === "function") {
      try {
        target = routes(value);
      } catch (error) {
        this.onError(inv, error, true);
        return;
      }
    } else target = node.switchTable!.get(String(value));
    if (target === undefined || target === null) target = node.switchDefault;
    if (target === undefined || target === null) {
      const keys = node.switchTable === undefined ? [] : [...node.switchTable.keys()];
      const hint = typeof value === "string" ? didYouMean(value, keys) : "";
      this.onError(
        inv,
        new StepNotFoundError(
          `Switch '${node.name}' returned ${typeof value === "string" ? `'${value}'` : messageOf(value)}, which matches no route${keys.length ? ` (routes: ${keys.join(", ")})` : ""}.${hint} Add a route for it or a \`default\`.`,
        ),
        true,
      );
      return;
    }
    if (target === Stop) {
      this.endStep(inv);
      this.stop(false);
      return;
    }
    const next = this.#resolveJump(inv, target as Target);
    if (next === undefined) return;
    this.endStep(inv);
    this.startStep(next, inv, null, undefined);
  }

  /** Closes an invocation with `STEP_END`. */
  endStep(inv: Invocation): void {
    const now = this.clock.now();
    const durationMs = now - inv.startedAt;
    const event = this.emit(EventType.STEP_END, inv.node.name, undefined, KIND[inv.node.kind], inv);
    event.meta = this.#stepMeta(inv, durationMs, "success");
    this.metrics.stepEnded(inv.node.name, durationMs);
    this.#close(inv, false);
  }

  #stepMeta(inv: Invocation, durationMs: number, status: "success" | "error" | "cancelled") {
    const user = inv.stepMeta?.snapshot();
    const framework = { durationMs, attempt: inv.attempt, status };
    return user === undefined ? { framework } : { ...user, framework };
  }

  /** Marks an invocation closed (its terminal event is already queued). */
  #close(inv: Invocation, retrying: boolean): void {
    inv.closed = true;
    if (inv.timer !== undefined) {
      this.clock.clearTimeout(inv.timer);
      inv.timer = undefined;
    }
    if (inv.iterator !== undefined) {
      const iterator = inv.iterator;
      inv.iterator = undefined;
      iterator.return?.(undefined)?.then(undefined, () => {});
    }
    this.open.delete(inv);
    this.metrics.tasksCompleted++;
    if (!retrying && inv.mapOwner !== undefined) mapWorkerClosed(this, inv.mapOwner);
    this.#maybeIdle();
  }

  /** Closes an invocation with `CANCELLED`. */
  cancelStep(inv: Invocation, reason: string): void {
    if (inv.closed) return;
    const event = this.emit(EventType.CANCELLED, inv.node.name, { reason }, KIND[inv.node.kind], inv);
    event.meta = this.#stepMeta(inv, this.clock.now() - inv.startedAt, "cancelled");
    this.#close(inv, false);
  }

  // ---------------------------------------------------------------- transitions

  /** Starts the static successors of a completed invocation. */
  follow(inv: Invocation): void {
    if (this.#stopping) return;
    const successors = inv.node.successors;
    const nodes = this.compiled.plan.nodes;
    if (successors.length === 1) {
      this.#arrive(nodes.get(successors[0]!)!, inv.node.name, false, inv);
      return;
    }
    this.#startTogether(() => {
      for (let i = 0; i < successors.length; i++)
        this.#arrive(nodes.get(successors[i]!)!, inv.node.name, false, inv);
    });
  }

  #skipSuccessors(node: PlanNode, from: Invocation): void {
    if (this.#stopping) return;
    const nodes = this.compiled.plan.nodes;
    for (const name of node.successors) this.#arrive(nodes.get(name)!, node.name, true, from);
  }

  #arrive(node: PlanNode, parent: string, skipped: boolean, from: Invocation): void {
    const join = node.join;
    if (join === null) {
      if (skipped) this.#skipSuccessors(node, from);
      else this.startStep(node, from, null, undefined, undefined, 1, from.scope);
      return;
    }
    let progress = this.barriers.get(node.name);
    const first = progress === undefined;
    if (progress === undefined) {
      progress = newWave(this.clock.now());
      this.barriers.set(node.name, progress);
    }
    const outcome = arrive(join, progress, parent, skipped);
    if (progress.expired) {
      if (outcome.reset) this.barriers.delete(node.name);
      return;
    }
    if (first && !outcome.reset && join.type === "all") {
      this.emit(
        EventType.BARRIER_WAIT,
        node.name,
        { waitingFor: waitingFor(join, progress) },
        "barrier",
        null,
      );
      if (join.timeout !== undefined) this.#armBarrierTimer(node, join.timeout, from);
    }
    if (outcome.reset) {
      this.barriers.delete(node.name);
      const timer = this.#barrierTimers.get(node.name);
      if (timer !== undefined) {
        this.clock.clearTimeout(timer);
        this.#barrierTimers.delete(node.name);
        this.release();
      }
    }
    if (outcome.fire) {
      if (join.type === "all") {
        this.emit(
          EventType.BARRIER_RELEASE,
          node.name,
          { durationMs: this.clock.now() - progress.since },
          "barrier",
          null,
        );
      }
      this.startStep(node, from, null, undefined, undefined, 1, from.scope);
    } else if (outcome.skip) this.#skipSuccessors(node, from);
  }

  #armBarrierTimer(node: PlanNode, timeout: number, from: Invocation): void {
    this.hold();
    const timer = this.clock.setTimeout(() => {
      this.#barrierTimers.delete(node.name);
      const progress = this.barriers.get(node.name);
      // The wave stays, expired: parents arriving late complete it without starting the join.
      if (progress !== undefined) progress.expired = true;
      if (progress !== undefined && !this.#stopping) {
        this.metrics.barrierTimedOut(node.name);
        const waiting = waitingFor(node.join!, progress);
        // The join never starts: report its failure through a stand-in invocation so its onError applies.
        const inv = this.#openInvocation(node, from, null, undefined, undefined, 1, from.scope);
        this.onError(inv, new BarrierTimeoutError(node.name, timeout, waiting), true);
      }
      this.release();
    }, timeout);
    this.#barrierTimers.set(node.name, timer);
  }

  // ---------------------------------------------------------------- errors

  /**
   * Handles an invocation's error: automatic retry, then its `onError`, then the global handlers,
   * then fail fast. `controlFailure` marks errors the runtime raised (no automatic retry).
   */
  onError(inv: Invocation, error: unknown, controlFailure = false): void {
    if (inv.closed) return;
    if (inv.handling) {
      // Applying a handler's decision failed (an unknown jump, say): fail, without asking again.
      // Anything else arriving now is a late result of an invocation already being handled.
      if (controlFailure) this.failStep(inv, error);
      return;
    }
    inv.handling = true;
    if (inv.timer !== undefined) {
      this.clock.clearTimeout(inv.timer);
      inv.timer = undefined;
    }
    if (this.controller.signal.aborted) {
      this.cancelStep(inv, messageOf(this.controller.signal.reason));
      return;
    }
    if (!controlFailure) {
      const policy = this.#policy(inv.node);
      if (
        inv.attempt <= policy.attempts &&
        inv.attempt < this.compiled.maxRetries &&
        (policy.retryOn === undefined || safePredicate(policy.retryOn, error))
      ) {
        // After Stop or Suspend nothing new starts: a step that would retry just ends.
        this.#retry(inv, error, backoffDelay(policy, inv.attempt));
        return;
      }
    }
    const local = inv.node.definition.onError;
    if (local !== undefined || this.compiled.errorHooks.length > 0) {
      void this.#handle(inv, error, local);
      return;
    }
    this.failStep(inv, error);
  }

  async #handle(inv: Invocation, error: unknown, local: AnyHandler | undefined): Promise<void> {
    const handlers = local === undefined ? this.compiled.errorHooks : [local, ...this.compiled.errorHooks];
    let current = error;
    for (const handler of handlers) {
      let result: unknown;
      try {
        result = await handler(
          new HandlerArgs(this, inv, inv.node.name, inv.attempt, inv.item, current, inv.signal),
        );
      } catch (thrown) {
        if (thrown instanceof Error && thrown !== current && thrown.cause === undefined) {
          Object.defineProperty(thrown, "cause", { value: current, configurable: true, writable: true });
        }
        current = thrown;
        continue;
      }
      if (inv.closed) return;
      if (this.controller.signal.aborted) {
        this.cancelStep(inv, messageOf(this.controller.signal.reason));
        return;
      }
      if (result instanceof Retry) this.#retry(inv, current);
      else if (result instanceof Raise) this.failStep(inv, result.error ?? current);
      else this.#control(inv, result);
      return;
    }
    if (!inv.closed) this.failStep(inv, current);
  }

  #policy(node: PlanNode): RetryPolicy {
    let policy = this.#policies.get(node);
    if (policy === undefined) this.#policies.set(node, (policy = retryPolicy(node.definition.retries)));
    return policy;
  }

  #retry(inv: Invocation, error: unknown, delay = 0): void {
    if (this.#stopping) {
      this.cancelStep(inv, "The run stopped before the step could run again");
      return;
    }
    if (inv.attempt >= this.compiled.maxRetries) {
      this.failStep(inv, new RetryLimitError(inv.node.name, this.compiled.maxRetries, { cause: error }));
      return;
    }
    this.metrics.retries++;
    if (error === undefined) {
      const event = this.emit(EventType.STEP_END, inv.node.name, undefined, KIND[inv.node.kind], inv);
      event.meta = this.#stepMeta(inv, this.clock.now() - inv.startedAt, "success");
    } else {
      const event = this.emit(
        EventType.STEP_ERROR,
        inv.node.name,
        { message: messageOf(error), error, retrying: true },
        KIND[inv.node.kind],
        inv,
      );
      event.meta = this.#stepMeta(inv, this.clock.now() - inv.startedAt, "error");
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
    const event = this.emit(
      EventType.STEP_ERROR,
      inv.node.name,
      { message, error, retrying: false },
      KIND[inv.node.kind],
      inv,
    );
    event.meta = this.#stepMeta(inv, this.clock.now() - inv.startedAt, "error");
    this.journal.record(FailureKind.STEP, FailureReason.STEP_ERROR, error, stepLabel, message);
    this.#abortAll(new RunAbort(`Run stopped because step '${stepLabel}' failed: ${message}`));
    this.#close(inv, false);
  }

  // ---------------------------------------------------------------- stopping

  /** Stops starting new work; running steps finish (Stop, Suspend). */
  stop(suspended: boolean): void {
    if (suspended) this.#suspended = true;
    this.#beginStopping();
  }

  /** Nothing new starts from now on: cut backoffs short and drop waiting barrier timers. */
  #beginStopping(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const timer of this.#barrierTimers.values()) {
      this.clock.clearTimeout(timer);
      this.release();
    }
    this.#barrierTimers.clear();
    this.#stopController?.abort();
  }

  #abortAll(reason: Error): void {
    this.#beginStopping();
    if (this.controller.signal.aborted) return;
    this.controller.abort(reason);
    for (const inv of this.open) inv.controller?.abort(reason);
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
    const open = [...this.open].reverse();
    for (const inv of open) {
      if (inv.node.kind === "sub" && inv.children !== undefined) continue;
      this.cancelStep(inv, reason);
    }
    this.#maybeIdle();
  }

  async #closeChildren(): Promise<void> {
    if (this.children.size === 0) return;
    await Promise.allSettled([...this.children].map((child) => child.return(undefined)));
  }
}

function safePredicate(predicate: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return predicate(error) === true;
  } catch {
    return false;
  }
}
