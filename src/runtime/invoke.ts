import { expectedMessage } from "../errors/messages.js";
import type { PipelineEndData } from "../events/outcome.js";
import { PipelineError } from "../events/pipeline-error.js";
import { EventType, type PipeEvent } from "../events/types.js";
import { OPTION_KEYS, unknownOptionMessage } from "../model/option-checks.js";
import type { RunOptions } from "../model/options.js";

/** The options of `pipe.invoke()`: those of `run()` and `throwOnFailure`. */
export interface InvokeOptions<Context = undefined> extends RunOptions<Context> {
  /**
   * Throw a {@link PipelineError} when the run did not succeed: it ended `failed`, `timeout`,
   * `cancelled` or `suspended` (a suspended run has not produced its result yet: catch the error,
   * or pass `false`, and resume it). With `false`, `invoke()` returns in every case: read
   * `end.status`.
   * @default true
   * @example
   * ```ts
   * const { end } = await pipe.invoke(state, { throwOnFailure: false });
   * if (end.status !== "success") console.warn(end.error);
   * ```
   */
  throwOnFailure?: boolean;
}

/**
 * The options argument of `invoke()`: optional, unless the Context type does not admit
 * `undefined`; then it is required and must hold `context` (as for `run()`).
 */
export type InvokeArguments<Context> = undefined extends Context
  ? [options?: InvokeOptions<Context>]
  : [options: InvokeOptions<Context> & { context: Context }];

/** What `pipe.invoke()` resolves to once the run has ended. */
export interface InvokeResult<State = unknown, Token = unknown> {
  /** The run's state: the object passed to `invoke()`, as the steps left it. */
  state: State;
  /** How the run ended: the `FINISH` payload (`status`, `failedStep`, `errors`, `metrics`). */
  end: PipelineEndData;
  /** Every `TOKEN` payload, in order, from every step (sub-pipelines included). */
  tokens: Token[];
}

/**
 * `pipe.invoke(state, options)`: checks `throwOnFailure`, starts the run without it, and drains it.
 *
 * @param pipeName - the pipe's name, for the error message.
 * @param state - the run's state.
 * @param options - the run's options and `throwOnFailure`.
 * @param run - starts the run with the options of `run()`.
 */
export function invokePipe<State, Context, Token>(
  pipeName: string,
  state: State,
  options: InvokeOptions<Context>,
  run: (options: RunOptions<Context>) => AsyncIterable<PipeEvent<State, Token>>,
): Promise<InvokeResult<State, Token>> {
  if (options === null || typeof options !== "object") {
    return Promise.reject(new TypeError(`invoke(): ${expectedMessage("options", "an object", options)}`));
  }
  const unknown = unknownOptionMessage(options, OPTION_KEYS.invoke, "invoke()");
  if (unknown !== undefined) return Promise.reject(new TypeError(`invoke(): ${unknown}`));
  const { throwOnFailure = true, ...runOptions } = options;
  if (typeof throwOnFailure !== "boolean") {
    return Promise.reject(
      new TypeError(`invoke(): ${expectedMessage("throwOnFailure", "a boolean", throwOnFailure)}`),
    );
  }
  return invokeRun(pipeName, state, run(runOptions), throwOnFailure);
}

/**
 * Drains a run to its `FINISH` and gathers what `invoke()` returns (the logic behind `pipe.invoke()`).
 *
 * @param pipeName - the pipe's name, for the error message.
 * @param state - the run's state, returned as `state`.
 * @param run - what `pipe.run(state, options)` returned.
 * @param throwOnFailure - throw a {@link PipelineError} for every status but `success`.
 */
export async function invokeRun<State, Token>(
  pipeName: string,
  state: State,
  run: AsyncIterable<PipeEvent<State, Token>>,
  throwOnFailure: boolean,
): Promise<InvokeResult<State, Token>> {
  const tokens: Token[] = [];
  let end: PipelineEndData | undefined;
  for await (const event of run) {
    if (event.type === EventType.TOKEN) tokens.push(event.payload);
    else if (event.type === EventType.FINISH && event.parentRunId === null) end = event.payload;
  }
  if (end === undefined)
    throw new Error(`Pipeline '${pipeName}' ended without a FINISH event: please report this bug`);
  if (throwOnFailure && end.status !== "success") throw new PipelineError(pipeName, end);
  return { state, end, tokens };
}
