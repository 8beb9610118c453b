import type { StopSignal } from "./control.js";
import type { AnyHandler, ErrorHandler, Target } from "./handler-types.js";
import type { NestedPipe } from "./nested-pipe.js";
import type { RetryOption, SwitchRoutes } from "./options.js";

/**
 * The kinds of step a pipe can hold, named after the method that registers them: `pipe.step`,
 * `pipe.map`, `pipe.switch` and `pipe.sub`. Reported by `pipe.steps()` and `pipe.describe()`.
 */
export type StepKind = "step" | "map" | "switch" | "sub";

/** One registered step, as the registry keeps it (not exported from the package root). */
export interface StepDefinition {
  readonly name: string;
  readonly kind: StepKind;
  /** The handler as registered (TestPipe may swap it). */
  handler: AnyHandler;
  readonly to: readonly Target[];
  readonly routes: readonly Target[];
  readonly retries: RetryOption;
  readonly timeout: number | undefined;
  readonly barrierTimeout: number | undefined;
  readonly barrierType: "all" | "any";
  readonly onError: ErrorHandler<any, any> | undefined;
  readonly each?: Target;
  readonly maxConcurrency?: number;
  readonly switchRoutes?: SwitchRoutes;
  readonly switchDefault?: Target | StopSignal;
  readonly pipeline?: NestedPipe;
  /** Registration order. */
  readonly index: number;
}
