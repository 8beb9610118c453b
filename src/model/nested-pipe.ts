import type { PipeEvent } from "../events/types.js";
import type { RunOptions } from "./options.js";

/** A pipe nested in a sub step, as the runtime and the definition checks see it (not exported from the package root). */
export interface NestedPipe {
  /** The pipeline's name. */
  readonly name: string;
  /** Runs the child pipeline (see `Pipe.run`). */
  run(state: any, options?: RunOptions<any>): AsyncGenerator<PipeEvent<any>, void, undefined>;
  /**
   * Validates the pipe as nested in the pipes of `within` (itself included, last); `within` is
   * left as it was given. Returns the levels the pipe spans (1: it has no sub steps).
   *
   * @internal
   */
  _checkWithin(within: Set<NestedPipe>): number;
  /** @internal True when the pipe has its own store (its runs are durable, so a sub step streams them). */
  _hasStore(): boolean;
  /** @internal True when the pipe was made with `requireContext: true`. */
  _requiresContext(): boolean;
}
