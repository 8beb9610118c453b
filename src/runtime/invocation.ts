import type { PlanNode } from "../graph/plan.js";
import type { StepArgs } from "../model/handler-types.js";
import type { SubRunCheckpoint } from "../store/checkpoint.js";
import { HandlerMeta, type MetaScope } from "./meta.js";
import type { SubRunLink } from "./persistence.js";
import type { Lineage } from "./run-event.js";

/** One run of one step: its lineage and what is needed to close it (internal). */
export class Invocation implements Lineage {
  readonly id: string;
  readonly node: PlanNode;
  readonly attempt: number;
  readonly parentInvocationId: string | null;
  readonly ownerInvocationId: string;
  readonly scope: readonly string[];
  readonly item: unknown;
  /** The map invocation this worker belongs to. */
  readonly mapOwner: Invocation | undefined;
  readonly startedAt: number;
  /** Closed by a terminal event; later results of the handler are ignored. */
  closed = false;
  /** An error is being handled (retry, error handlers): later results and errors are ignored. */
  handling = false;
  /**
   * Opened in a wave of siblings but its `STEP_START` not emitted yet: that waits until its handler
   * is called, so a sibling cancelled before then leaves no events at all.
   */
  unannounced = false;
  /** Stands in for a join whose barrier timed out (its handler never runs, it has no `STEP_START`). */
  standIn = false;
  /** A timeout that fired while a sub-pipeline's child run was still winding down. */
  pendingError: unknown;
  /** The error being handled (set with `handling`). */
  error: unknown;
  /** Per-step abort (created only for steps with a timeout). */
  controller: AbortController | undefined;
  /** The step's own signal (only for steps with a timeout); others use the run's. */
  signal: AbortSignal | undefined;
  timer: unknown;
  iterator: AsyncIterator<unknown> | undefined;
  stepMeta: MetaScope | undefined;
  /** Work this invocation still owns (map workers, a child run). */
  children: unknown;
  /**
   * The id of the invocation's retry lineage: its first attempt's id (or, for a step run again by
   * a resume, the id it had in the run it continues). `StepArgs.idempotencyKey` is built from it.
   */
  lineage: string;
  /**
   * A resumed map owner's progress: items below `nextIndex` that are not in `rerun` had ended, so
   * their workers are not spawned again (the source must yield the same items in the same order).
   */
  resumeMap: { readonly nextIndex: number; readonly rerun: ReadonlySet<number> } | undefined;
  /** A durable run's sub step: where its checkpoints find the child run's progress. */
  subRun: SubRunLink | undefined;
  /** A resumed sub step: the child run's progress to continue from. */
  resumeSub: SubRunCheckpoint | undefined;
  /** Neighbours in the run's list of open invocations. */
  previousOpen: Invocation | undefined;
  nextOpen: Invocation | undefined;

  constructor(
    id: string,
    node: PlanNode,
    attempt: number,
    parentInvocationId: string | null,
    ownerInvocationId: string | null,
    scope: readonly string[],
    item: unknown,
    mapOwner: Invocation | undefined,
    startedAt: number,
  ) {
    this.id = id;
    this.node = node;
    this.attempt = attempt;
    this.parentInvocationId = parentInvocationId;
    this.ownerInvocationId = ownerInvocationId ?? id;
    this.scope = scope;
    this.item = item;
    this.mapOwner = mapOwner;
    this.startedAt = startedAt;
    this.controller = undefined;
    this.signal = undefined;
    this.timer = undefined;
    this.iterator = undefined;
    this.stepMeta = undefined;
    this.children = undefined;
    this.pendingError = undefined;
    this.error = undefined;
    this.previousOpen = undefined;
    this.nextOpen = undefined;
    this.lineage = id;
    this.resumeMap = undefined;
    this.subRun = undefined;
    this.resumeSub = undefined;
  }
}

/** What a handler needs from its run to build its arguments. */
export interface ArgsSource {
  readonly state: unknown;
  readonly ctx: unknown;
  readonly runId: string;
  /** The first run of the resume chain (the run's own id unless it was resumed). */
  readonly threadId: string;
  readonly runMeta: MetaScope;
  readonly pipelineMeta: HandlerMeta["pipeline"];
  /** The run's signal (made on first read). */
  readonly signal: AbortSignal;
}

/**
 * The handler argument. `signal` is read lazily (an `AbortSignal` is costly to make and most steps
 * never look at it), so pass `args` through as it is; a spread copy needs `signal: args.signal`.
 */
export class HandlerArgs implements StepArgs<unknown, unknown, unknown> {
  readonly state: unknown;
  readonly ctx: unknown;
  readonly item: unknown;
  readonly error: unknown;
  readonly stepName: string;
  readonly attempt: number;
  readonly runId: string;
  readonly meta: HandlerMeta;
  readonly #run: ArgsSource;
  readonly #owner: { stepMeta: MetaScope | undefined; lineage?: string };
  readonly #signal: AbortSignal | undefined;

  constructor(
    run: ArgsSource,
    owner: { stepMeta: MetaScope | undefined; lineage?: string },
    stepName: string,
    attempt: number,
    item: unknown,
    error: unknown,
    signal: AbortSignal | undefined,
  ) {
    this.state = run.state;
    this.ctx = run.ctx;
    this.item = item;
    this.error = error;
    this.stepName = stepName;
    this.attempt = attempt;
    this.runId = run.runId;
    this.meta = new HandlerMeta(owner, run);
    this.#run = run;
    this.#owner = owner;
    this.#signal = signal;
  }

  /** Stable across the retries of this invocation and its re-runs by `resume()`: `"<threadId>:<lineage>"`. */
  get idempotencyKey(): string {
    return `${this.#run.threadId}:${this.#owner.lineage ?? this.#run.runId}`;
  }

  /** Aborts on step timeout, run timeout, cancellation, fail fast or client close. */
  get signal(): AbortSignal {
    return this.#signal ?? this.#run.signal;
  }
}
