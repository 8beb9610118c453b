import { FailureJournal, messageOf, resolveOutcome } from "../events/failure.js";
import { FailureKind, FailureReason, FailureSource, type PipelineEndData } from "../events/outcome.js";
import { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type { RunOptions } from "../model/options.js";
import type { Frontier } from "../store/checkpoint.js";
import { allowManyListeners } from "./abort-listeners.js";
import type { ChildOutlet } from "./child-outlet.js";
import { ChildRuns, InlineChildRun } from "./child-runs.js";
import type { CompiledPipe } from "./compiled-pipe.js";
import { EventQueue } from "./event-queue.js";
import type { Invocation } from "./invocation.js";
import { JoinBarriers } from "./join-barriers.js";
import { runShutdownHooks, runStartupHooks } from "./lifecycle-hooks.js";
import { MetaScope, pipelineMeta } from "./meta.js";
import { MetricsCollector } from "./metrics.js";
import { ObserverFeed } from "./observers.js";
import { type DurableRun, type PersistenceHost, RunPersistence } from "./persistence.js";
import { RemoteSteps } from "./remote-step.js";
import { continueFrom } from "./resumed-run.js";
import { armDeadline } from "./run-deadline.js";
import type { RunEvent } from "./run-event.js";
import { nextRunId, RunAbort } from "./run-identity.js";
import { RunPhase, terminalSignalOf } from "./run-phase.js";
import type { SchedulerPort } from "./scheduler-port.js";
import { StepStarting } from "./step-starting.js";

/**
 * One execution of a pipe. Events go to {@link Scheduler.queue}; `RunStream` delivers them.
 *
 * Lifecycle (`execute`): observers' `onPipelineStart` and the startup hooks; `START` and the root
 * steps; steps run, each starting its successors as it ends, until the run is idle (no invocation
 * open and no background work held: retry backoffs, map pulls, barrier timers); child runs and
 * cut-short generators are closed; the shutdown hooks run; the outcome is decided and `FINISH` is
 * emitted (unless the consumer left), and the queue closes.
 *
 * The run's {@link RunPhase} only moves forward, through named transitions: `stopGracefully`
 * (Stop), `suspend`, the fail-fast abort of `failStep`, `timeOut`, `cancel`, `closeByClient`, and
 * the finish. From STOPPING on nothing new starts; from FAILING on running steps are aborted.
 *
 * Invariants: `FINISH` is emitted once, last, and never after a client close; every `STEP_START`
 * is closed exactly once (by `STEP_END`, `STEP_ERROR` or `CANCELLED`), which `StepExecution`
 * guarantees with `Invocation.closed`; no step starts once the run is stopping.
 */
export class Scheduler extends StepStarting implements SchedulerPort, PersistenceHost {
  readonly runId: string;
  readonly threadId: string;
  readonly state: unknown;
  readonly ctx: unknown;
  readonly compiled: CompiledPipe;
  readonly clock: Clock;
  readonly queue: EventQueue<RunEvent>;
  readonly journal: FailureJournal;
  readonly metrics = new MetricsCollector();
  readonly options: RunOptions<unknown>;
  /** Delivers events to the pipe's observers (when it has any). */
  readonly observers: ObserverFeed | undefined;
  /** The `FINISH` payload, once the run ended (also set for a client close). */
  end: PipelineEndData | undefined = undefined;
  protected readonly port: SchedulerPort = this;
  #phase: RunPhase = RunPhase.RUNNING;
  /** Why the run was aborted (fail fast, timeout, cancellation, close), once it was. */
  #abortReason: Error | undefined = undefined;
  /** The steps are over: their outcome stands, whatever the consumer does now. */
  #stepsOver = false;
  /** The run's abort controller, made on first use (a handler reading `signal`, or an abort). */
  #controller: AbortController | undefined = undefined;
  /** Aborted when the run starts stopping (cuts retry backoffs short); made on first use. */
  #stopController: AbortController | undefined = undefined;
  #runMeta: MetaScope | undefined = undefined;
  #joins: JoinBarriers | undefined = undefined;
  #children: ChildRuns | undefined = undefined;
  #startedAt = 0;

  /** The checkpoint a resumed run continues from. */
  readonly #resume: Frontier | undefined;

  /** @param outlet - the queue of a sub step's child run inline in its parent (see `ChildOutlet`). */
  constructor(
    compiled: CompiledPipe,
    state: unknown,
    options: RunOptions<unknown>,
    durable?: DurableRun,
    outlet?: ChildOutlet,
  ) {
    super();
    this.compiled = compiled;
    this.state = state;
    this.ctx = options.context;
    this.options = options;
    this.clock = options.clock ?? compiled.clock;
    this.runId = durable?.recorder === undefined ? nextRunId() : durable.recorder.run.runId;
    this.threadId = durable === undefined ? this.runId : durable.threadId;
    this.#resume = durable?.resume;
    if (durable !== undefined) {
      this.persistence = new RunPersistence(durable, this);
      if (durable.link !== undefined) durable.link.persistence = this.persistence;
    }
    this.queue = outlet ?? new EventQueue(options.queueSize ?? compiled.queueSize);
    this.journal = new FailureJournal(compiled.failureClassification);
    this.observers =
      compiled.observers.length === 0
        ? undefined
        : new ObserverFeed(
            compiled.observers,
            { pipeName: compiled.name, runId: this.runId, state, ctx: options.context },
            this.clock,
            compiled.observerTimeout,
          );
  }

  /** The join barriers and their timers (made on first use, like the child runs). */
  get joins(): JoinBarriers {
    return (this.#joins ??= new JoinBarriers(this));
  }

  /** Child runs of sub-pipeline steps still being forwarded. */
  get children(): ChildRuns {
    return (this.#children ??= new ChildRuns());
  }

  /** Starts a sub step's child run inside this run: its events go through `outlet`. */
  runInline(
    compiled: CompiledPipe,
    state: unknown,
    options: RunOptions<unknown>,
    outlet: ChildOutlet,
  ): InlineChildRun {
    return new InlineChildRun(new Scheduler(compiled, state, options, undefined, outlet));
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
    return this.#phase !== RunPhase.RUNNING;
  }

  /** The run's signal: aborts on fail fast, run timeout, cancellation and client close. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      // Every concurrent step may listen to this signal (fetch, SDK clients): no listener warning.
      allowManyListeners(this.#controller.signal);
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

  /** The signal that cuts retry backoffs short when the run starts stopping. */
  get stopSignal(): AbortSignal {
    return (this.#stopController ??= new AbortController()).signal;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Runs the whole lifecycle: startup hooks, steps, shutdown hooks, `FINISH`. The rarely needed
   * phases live in their own functions: this one runs once per run, and V8 compiles what it inlines.
   */
  async execute(): Promise<void> {
    this.#startedAt = this.clock.now();
    const { executor, timeout } = this.options;
    if (executor !== undefined) {
      const endsAt = timeout === undefined ? undefined : this.#startedAt + timeout;
      this.remote = new RemoteSteps(executor, this.options.stateConflict ?? "error", endsAt);
    }
    const disarm =
      this.options.timeout === undefined && this.options.signal === undefined
        ? undefined
        : armDeadline(this.options, this.clock, this);
    if (this.persistence?.sync && this.persistence.openError !== undefined)
      this.failPersistence(this.persistence.openError);
    try {
      // Awaited only when an observer or a startup hook returned a promise: no turn lost otherwise.
      const started =
        this.observers === undefined && this.compiled.startupHooks.length === 0
          ? !this.stopping
          : this.#startUp();
      const ready = typeof started === "boolean" ? started : await started;
      if (ready && this.#begin()) {
        // Inline, not a helper: one async frame less per run.
        while (!this.isIdle()) await new Promise<void>(this.waitIdle);
      }
    } catch (error) {
      this.journal.record(FailureKind.INFRA, FailureReason.INTERNAL_ERROR, error, undefined);
      this.#abortAll(RunPhase.FAILING, new RunAbort(`Internal error: ${messageOf(error)}`));
    } finally {
      disarm?.();
    }
    this.#stepsOver = true;
    this.#joins?.clearTimers();
    // The exit checkpoint: the state as the steps left it (written with the last batch).
    this.persistence?.prepareExit(
      terminalSignalOf(this.#phase) ?? (this.#phase >= RunPhase.FAILING ? "failed" : "success"),
    );
    if (
      (this.#children !== undefined && this.#children.size > 0) ||
      this.closingGenerators?.pending === true ||
      this.compiled.shutdownHooks.length > 0
    ) {
      await this.#windDown();
    }
    if (this.persistence === undefined) this.#finish();
    else await this.#finishDurably(this.persistence);
  }

  /**
   * Stores the run's end. Usually one transaction holds the last events, the exit checkpoint, the
   * final record and `FINISH` itself, written before `FINISH` is emitted. When that cannot be (the
   * store failed already, event hooks may rewrite `FINISH`, the consumer left) or the write fails,
   * `FINISH` says so and is stored after it is emitted, with the final record.
   */
  async #finishDurably(persistence: RunPersistence): Promise<void> {
    if (
      persistence.canStoreFinish &&
      this.#phase !== RunPhase.CLIENT_CLOSED &&
      this.compiled.eventHooks.length === 0
    ) {
      const end = this.#outcome();
      const meta = this.#runMeta?.snapshot() ?? null;
      const at = this.clock.now();
      const finish = this.nextEvent(EventType.FINISH, "system", end, "system", meta, at);
      const error = await persistence.storeFinish(end, finish);
      if (error === undefined) return this.#finish(end, meta, at);
      this.#persistenceFailed(persistence, error);
    } else {
      const error = await persistence.beforeFinish();
      if (error !== undefined) this.#persistenceFailed(persistence, error);
    }
    this.#finish();
    await persistence.afterFinish(this.end!);
  }

  /**
   * The store could not be written before `FINISH`: a diagnostic on `FINISH`
   * (`persistence_error`), or the run's failure under `durability: "sync"`.
   */
  #persistenceFailed(persistence: RunPersistence, error: unknown): void {
    if (persistence.sync) {
      this.journal.record(FailureKind.INFRA, FailureReason.PERSISTENCE_ERROR, error, undefined);
      return;
    }
    this.journal.diagnostics.push({
      kind: FailureKind.INFRA,
      source: FailureSource.FRAMEWORK,
      reason: FailureReason.PERSISTENCE_ERROR,
      error: `The run could not be stored: ${messageOf(error)}`,
      cause: error,
    });
  }

  // ---------------------------------------------------------------- persistence host

  /** The plan's steps by name. */
  get planNodes(): ReadonlyMap<string, PlanNode> {
    return this.compiled.plan.nodes;
  }

  /** The join barriers, if the run made them. */
  get joinsIfAny(): JoinBarriers | undefined {
    return this.#joins;
  }

  /** The steps the run starts with (its roots, or its `start`). */
  get startNodes(): readonly string[] {
    const start = this.options.start;
    return start === undefined ? this.compiled.plan.roots : [this.compiled.nameOf(start)!];
  }

  /** The open invocations, newest first. */
  openInvocations(): Invocation[] {
    return this.open.newestFirst();
  }

  /** A store write failed under `durability: "sync"`: the run fails with `failureKind: "infra"`. */
  failPersistence(error: unknown): void {
    if (this.#phase >= RunPhase.FAILING) return;
    this.journal.record(FailureKind.INFRA, FailureReason.PERSISTENCE_ERROR, error, undefined);
    this.failFast(`Run stopped because it could not be stored: ${messageOf(error)}`);
  }

  /**
   * Observers' `onPipelineStart`, then the startup hooks; true when the steps may start. A promise
   * only when something had to be awaited (synchronous observers and no hooks: a plain boolean).
   */
  #startUp(): boolean | Promise<boolean> {
    const observing = this.observers?.start(this);
    if (observing !== undefined) return observing.then(() => this.#runStartupHooks());
    return this.#runStartupHooks();
  }

  #runStartupHooks(): boolean | Promise<boolean> {
    return this.compiled.startupHooks.length === 0 ? !this.stopping : runStartupHooks(this.port);
  }

  /** Emits `START` and starts the roots; false when there is nothing to start. */
  #begin(): boolean {
    if (this.compiled.plan.nodes.size === 0) {
      const error = new Error("No steps registered: add steps with pipe.step() before run().");
      this.emitRunEvent(EventType.STEP_ERROR, "system", { message: error.message, error, retrying: false });
      this.journal.record(
        FailureKind.VALIDATION,
        FailureReason.NO_STEPS,
        error,
        undefined,
        "No steps registered",
      );
      return false;
    }
    if (this.stopping) return false;
    this.emitRunEvent(EventType.START, "system", this.state);
    if (this.#resume !== undefined) {
      this.#continueFrom(this.#resume);
      return true;
    }
    const nodes = this.compiled.plan.nodes;
    const start = this.options.start;
    const roots = start === undefined ? this.compiled.plan.roots : [this.compiled.nameOf(start)!];
    if (roots.length === 1) this.startRoot(nodes.get(roots[0]!)!);
    else
      this.startTogether(() => {
        for (const root of roots) this.startRoot(nodes.get(root)!);
      });
    return true;
  }

  /** Continues a resumed run from its checkpoint's frontier (see `resumed-run.ts`). */
  #continueFrom(frontier: Frontier): void {
    continueFrom(this.port, frontier, this.stopSignal, (node, saved, resumeMap, resumeSub) =>
      this.startResumed(node, saved, resumeMap, resumeSub),
    );
  }

  /** After the steps: closes child runs and cut-short generators, then runs the shutdown hooks. */
  async #windDown(): Promise<void> {
    if (this.#children !== undefined) await this.#children.closeAll();
    if (this.closingGenerators !== undefined) await this.closingGenerators.settled();
    if (this.compiled.shutdownHooks.length > 0) await runShutdownHooks(this.port);
  }

  /** The run's outcome as it stands: the `FINISH` payload. */
  #outcome(): PipelineEndData {
    const durationMs = this.clock.now() - this.#startedAt;
    const metrics = this.metrics.snapshot(this.queue.maxDepth);
    return resolveOutcome(terminalSignalOf(this.#phase), this.journal, durationMs, metrics);
  }

  /** Decides the outcome, emits `FINISH` (unless the consumer left) and closes the queue. */
  #finish(
    end = this.#outcome(),
    meta: Readonly<Record<string, unknown>> | null = this.#runMeta?.snapshot() ?? null,
    at = this.clock.now(),
  ): void {
    this.end = end;
    if (this.#phase !== RunPhase.CLIENT_CLOSED)
      this.emit(EventType.FINISH, "system", end, "system", null, meta, at);
    this.#phase = RunPhase.FINISHED;
    this.queue.close();
  }

  // ---------------------------------------------------------------- phase transitions

  /** A step returned `Stop` (or a startup hook failed): nothing new starts, running steps finish. */
  stopGracefully(): void {
    this.#moveTo(RunPhase.STOPPING);
  }

  /** A step returned `Suspend` (or a child run suspended): as {@link stopGracefully}, ending `suspended`. */
  suspend(): void {
    this.#moveTo(RunPhase.SUSPENDING);
  }

  /** The run's `timeout` elapsed: `TIMEOUT`, then every open step is closed. */
  timeOut(reason: string): void {
    this.#terminate(RunPhase.TIMED_OUT, EventType.TIMEOUT, reason);
  }

  /** The run's `signal` aborted: `CANCELLED` (stage `system`), then every open step is closed. */
  cancel(reason: string): void {
    this.#terminate(RunPhase.CANCELLED, EventType.CANCELLED, reason);
  }

  /** The consumer left the loop: stop everything, emit nothing more. */
  closeByClient(): void {
    if (this.#phase === RunPhase.FINISHED) return;
    this.queue.discard();
    // After the steps ended (only shutdown is left) the run's own outcome stands: observers get it.
    if (this.#stepsOver) return;
    const reason = "The consumer closed the event stream";
    this.#abortAll(RunPhase.CLIENT_CLOSED, new RunAbort(reason));
    this.closeAllOpen(reason);
  }

  /** A step failed for good: nothing new starts and running steps are aborted (fail fast). */
  protected failFast(reason: string): void {
    this.#abortAll(RunPhase.FAILING, new RunAbort(reason));
  }

  #terminate(phase: RunPhase, type: EventType, reason: string): void {
    if (this.#phase >= RunPhase.TIMED_OUT) return;
    this.emitRunEvent(type, "system", { reason });
    this.#abortAll(phase, new RunAbort(reason));
    this.closeAllOpen(reason);
  }

  #abortAll(phase: RunPhase, reason: Error): void {
    this.#moveTo(phase);
    if (this.#abortReason !== undefined) return;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    this.open.abortAll(reason);
  }

  /** Moves the phase forward (never back); leaving RUNNING cuts backoffs short and drops barrier timers. */
  #moveTo(phase: RunPhase): void {
    if (phase <= this.#phase) return;
    const wasRunning = this.#phase === RunPhase.RUNNING;
    this.#phase = phase;
    if (!wasRunning) return;
    this.#joins?.stopTimers();
    this.#stopController?.abort();
  }
}
