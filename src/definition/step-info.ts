import type { RetryOption } from "../model/options.js";
import type { StepKind } from "../model/step-definition.js";

/** Read-only summary of one registered step (see `pipe.steps()`). */
export interface StepInfo {
  /** The step's name. */
  readonly name: string;
  /** How it was registered: `pipe.step`, `pipe.map`, `pipe.switch` or `pipe.sub`. */
  readonly kind: StepKind;
  /**
   * Every step it can lead to, by name: `to`, map `each`, switch routes and default, declared
   * `routes` (`Stop` routes and targets that are not registered steps left out).
   */
  readonly targets: readonly string[];
  /** Its `timeout` option in milliseconds, or `undefined` when it has none. */
  readonly timeout: number | undefined;
  /** Its `retries` option as registered (`0` when not set). */
  readonly retries: RetryOption;
  /** Its `barrierTimeout` option in milliseconds, or `undefined` when it has none. */
  readonly barrierTimeout: number | undefined;
  /** Its `barrierType` option (`"all"` when not set); it matters only for a join. */
  readonly barrierType: "all" | "any";
  /** Whether it has its own `onError` handler (the Pipe's global handlers are not counted). */
  readonly hasErrorHandler: boolean;
}
