import type { FailureJournal } from "../events/failure.js";
import type { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type { RunOptions } from "../model/options.js";
import type { ChildOutlet } from "./child-outlet.js";
import type { ChildRuns, InlineChildRun } from "./child-runs.js";
import type { CompiledPipe } from "./compiled-pipe.js";
import type { EventQueue } from "./event-queue.js";
import type { Invocation } from "./invocation.js";
import type { JoinBarriers } from "./join-barriers.js";
import type { MetaScope, pipelineMeta } from "./meta.js";
import type { MetricsCollector } from "./metrics.js";
import type { RunPersistence } from "./persistence.js";
import type { RemoteSteps } from "./remote-step.js";
import type { RunEvent } from "./run-event.js";

/**
 * The scheduler as the code that runs steps sees it (results, recovery, maps, sub-pipelines,
 * routing, transitions, hooks): each of those declares the few members it uses with a `Pick` of
 * this interface, so none of them reaches into the scheduler's state.
 */
export interface SchedulerPort {
  readonly runId: string;
  /** The first run of the resume chain (`runId` unless the run was resumed). */
  readonly threadId: string;
  /** Records the run in its store (durable runs only). */
  readonly persistence: RunPersistence | undefined;
  readonly state: unknown;
  readonly ctx: unknown;
  readonly compiled: CompiledPipe;
  readonly clock: Clock;
  readonly queue: EventQueue<RunEvent>;
  readonly journal: FailureJournal;
  readonly metrics: MetricsCollector;
  readonly runMeta: MetaScope;
  readonly pipelineMeta: ReturnType<typeof pipelineMeta>;
  /** The run's signal: aborts on fail fast, run timeout, cancellation and client close. */
  readonly signal: AbortSignal;
  /** True once nothing new may start. */
  readonly stopping: boolean;
  /** True once the run aborted its steps (not for a graceful Stop or Suspend). */
  readonly aborted: boolean;
  /** The message of the abort, once the run aborted. */
  readonly abortMessage: string;
  readonly joins: JoinBarriers;
  readonly children: ChildRuns;
  /** The run's executor and its bookkeeping, when steps run elsewhere. */
  readonly remote: RemoteSteps | undefined;
  signalOf(invocation: Invocation): AbortSignal;
  /** Starts a sub step's child run inside this run: its events go through `outlet`. */
  runInline(
    compiled: CompiledPipe,
    state: unknown,
    options: RunOptions<unknown>,
    outlet: ChildOutlet,
  ): InlineChildRun;

  /** An event about a step invocation (stage = the step's name). */
  emitStepEvent(type: EventType, invocation: Invocation, payload: unknown): RunEvent;
  /** An event of a map step (node kind `map`) about its owner invocation. */
  emitMapEvent(type: EventType, owner: Invocation, payload: unknown): RunEvent;
  /** An event of the run itself (node kind `system`, no lineage) at `stage`. */
  emitRunEvent(type: EventType, stage: string, payload: unknown): RunEvent;
  forward(event: RunEvent): void;

  startSuccessor(node: PlanNode, from: Invocation): Invocation | undefined;
  startMapWorker(
    worker: PlanNode,
    owner: Invocation,
    item: unknown,
    scope: readonly string[],
  ): Invocation | undefined;
  startTogether(start: () => void): void;
  settleResult(invocation: Invocation, value: unknown): void;
  follow(invocation: Invocation): void;

  endStep(invocation: Invocation): void;
  cancelStep(invocation: Invocation, reason: string): void;
  failStep(invocation: Invocation, error: unknown): void;
  clearStepTimer(invocation: Invocation): void;
  /** Arms a step's `timeout` (again: it also bounds the step's error handlers). */
  armStepTimer(invocation: Invocation, timeout: number): void;
  onError(invocation: Invocation, error: unknown): void;
  onControlError(invocation: Invocation, error: unknown): void;
  retryAfterError(invocation: Invocation, error: unknown, delay?: number): void;
  retryReturned(invocation: Invocation): void;

  stopGracefully(): void;
  suspend(): void;
  hold(): void;
  release(): void;
}
