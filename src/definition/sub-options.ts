import type { StepOptions } from "../model/options.js";
import type { Pipe } from "./pipe.js";

/** Options of `pipe.sub`. */
export interface SubOptions<State = unknown, Context = undefined> extends StepOptions<State, Context> {
  /**
   * The child pipeline. It is validated with this one, runs with this run's context, signal and
   * clock, and its events are forwarded with stages `"<sub step>:<child stage>"`. Required.
   */
  pipeline: Pipe<any, any>;
}
