import type { ExecutionPlan } from "../graph/plan.js";
import type { Clock } from "../runtime/clock.js";
import type { StepDefinition } from "./registry.js";
import type {
  AnyHandler,
  ErrorHandler,
  FailureClassificationConfig,
  HookHandler,
  Middleware,
  WrappedHandler,
} from "./types.js";

/** An observer of runs (see `pipe.addObserver`). */
export interface Observer<State = unknown, Context = unknown> {
  /** Before startup hooks. */
  onPipelineStart?(info: ObserverInfo<State, Context>): unknown;
  /** For every delivered event. */
  onEvent?(event: import("../events/types.js").PipeEvent<State>, info: ObserverInfo<State, Context>): unknown;
  /** After `FINISH` (or a client close) when the run did not fail. */
  onPipelineEnd?(
    end: import("../events/types.js").PipelineEndData,
    info: ObserverInfo<State, Context>,
  ): unknown;
  /** After `FINISH` when the run failed. */
  onPipelineError?(
    error: unknown,
    end: import("../events/types.js").PipelineEndData,
    info: ObserverInfo<State, Context>,
  ): unknown;
}

/** What observers are told about the run. */
export interface ObserverInfo<State = unknown, Context = unknown> {
  readonly pipeName: string;
  readonly runId: string;
  readonly state: State;
  readonly ctx: Context;
}

/** Rewrites or enriches an event before delivery. */
export type EventHook = (
  event: import("../events/types.js").PipeEvent<any>,
) => import("../events/types.js").PipeEvent<any>;

/** Everything a run needs from a frozen pipe (internal). */
export interface CompiledPipe {
  readonly name: string;
  readonly plan: ExecutionPlan;
  /** Step handlers after middleware, by step name. */
  readonly handlers: Map<string, WrappedHandler>;
  readonly definitions: ReadonlyMap<string, StepDefinition>;
  readonly startupHooks: readonly HookHandler<any, any>[];
  readonly shutdownHooks: readonly HookHandler<any, any>[];
  readonly errorHooks: readonly ErrorHandler<any, any>[];
  readonly observers: readonly Observer<any, any>[];
  readonly eventHooks: readonly EventHook[];
  readonly middleware: readonly Middleware[];
  readonly queueSize: number;
  readonly maxRetries: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly failureClassification: FailureClassificationConfig;
  readonly clock: Clock;
  readonly debug: boolean;
  /** Name of a registered handler, if it is one. */
  nameOf(handler: AnyHandler): string | undefined;
}
