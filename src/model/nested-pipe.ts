import type { PipeEvent } from "../events/types.js";
import type { RunOptions } from "./options.js";

/** A pipe nested in a sub step, as the runtime and the definition checks see it (not exported from the package root). */
export interface NestedPipe {
  /** The pipeline's name. */
  readonly name: string;
  /** Runs the child pipeline (see `Pipe.run`). */
  run(state: any, options?: RunOptions<any>): AsyncGenerator<PipeEvent<any>, void, undefined>;
  /**
   * Validates the pipe as nested in the pipes of `within` (itself included).
   *
   * @internal
   */
  _checkWithin(within: ReadonlySet<NestedPipe>): void;
}
