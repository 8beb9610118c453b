import type { ExecutionPlan } from "../graph/plan.js";
import type { Clock } from "../runtime/clock.js";
import type {
  ErrorHandler,
  FailureClassificationConfig,
  HookHandler,
  Target,
  WrappedHandler,
} from "./types.js";

/**
 * An observer of runs (see `pipe.addObserver`): sees every event of every run of the pipe, in
 * order, then how the run ended. An observer's errors never reach the run: the first one is
 * reported as a process warning (`JustpipeObserverWarning`). An async `onEvent` is awaited before
 * that observer's next call, without holding up the consumer until it lags 1000 events behind.
 *
 * @example
 * ```ts
 * pipe.addObserver({
 *   onEvent: (event, { runId }) => log.debug({ runId, type: event.type, stage: event.stage }),
 *   onPipelineError: (error, end) => alert(`${end.failedStep} failed: ${end.error}`),
 * });
 * ```
 */
export interface Observer<State = unknown, Context = unknown> {
  /** Before the startup hooks. */
  onPipelineStart?(info: ObserverInfo<State, Context>): unknown;
  /** For every delivered event. */
  onEvent?(event: import("../events/types.js").PipeEvent<State>, info: ObserverInfo<State, Context>): unknown;
  /** After `FINISH` (or a client close) when the run did not fail. */
  onPipelineEnd?(
    end: import("../events/types.js").PipelineEndData,
    info: ObserverInfo<State, Context>,
  ): unknown;
  /**
   * After `FINISH` when the run failed (status `failed`); `error` is the primary failure's thrown
   * value (or its message when the value is not known).
   */
  onPipelineError?(
    error: unknown,
    end: import("../events/types.js").PipelineEndData,
    info: ObserverInfo<State, Context>,
  ): unknown;
}

/** What observers are told about the run. */
export interface ObserverInfo<State = unknown, Context = unknown> {
  /** The name of the pipe being run. */
  readonly pipeName: string;
  /** The id of the run (the `runId` of its events). */
  readonly runId: string;
  /** The run's state (by reference: it changes as the steps run). */
  readonly state: State;
  /** The run's context. */
  readonly ctx: Context;
}

/**
 * Rewrites or enriches an event before delivery (see `pipe.addEventHook`). It must be synchronous
 * and return an event; a hook that throws or returns anything else is skipped for that event and
 * fails the run with an `infra` failure.
 *
 * @example
 * ```ts
 * pipe.addEventHook((event) => ({ ...event, meta: { ...event.meta, tenant: "acme" } }));
 * ```
 */
export type EventHook = (
  event: import("../events/types.js").PipeEvent<any>,
) => import("../events/types.js").PipeEvent<any>;

/**
 * Everything a run needs from a frozen pipe.
 *
 * @internal
 */
export interface CompiledPipe {
  readonly name: string;
  readonly plan: ExecutionPlan;
  /** Step handlers after middleware, by step name. */
  readonly handlers: Map<string, WrappedHandler>;
  readonly startupHooks: readonly HookHandler<any, any>[];
  readonly shutdownHooks: readonly HookHandler<any, any>[];
  readonly errorHooks: readonly ErrorHandler<any, any>[];
  readonly observers: readonly Observer<any, any>[];
  readonly eventHooks: readonly EventHook[];
  readonly queueSize: number;
  readonly maxRetries: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly failureClassification: FailureClassificationConfig;
  readonly clock: Clock;
  readonly debug: boolean;
  /** The registered step a target names (a step name or a registered handler), if any. */
  nameOf(target: Target): string | undefined;
}
