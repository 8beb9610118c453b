import type { FailureClassificationConfig } from "../events/failure-classification.js";
import type { ExecutionPlan } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type { ErrorHandler, HookHandler, Target } from "../model/handler-types.js";
import type { EventHook, Observer } from "../model/observer.js";
import type { WrappedHandler } from "../model/options.js";

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
  /** Bound of each shutdown hook, in ms (`PipeOptions.shutdownTimeout`). */
  readonly shutdownTimeout: number;
  /** Bound of each observer call, in ms (`PipeOptions.observerTimeout`). */
  readonly observerTimeout: number;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly failureClassification: FailureClassificationConfig;
  readonly clock: Clock;
  readonly debug: boolean;
  /** The definition's `pipe.hash()` (computed on first use: only executors need it). */
  hash(): string;
  /** The registered step a target names (a step name or a registered handler), if any. */
  nameOf(target: Target): string | undefined;
}

/**
 * A pipe as the runtime sees it: something that compiles into what a run needs.
 *
 * @internal
 */
export interface CompilablePipe {
  /** Validates (for a run from `start`) and freezes on first use. */
  _compile(start: Target | undefined): CompiledPipe;
}
