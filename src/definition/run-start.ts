// How `pipe.run()` and `pipe.resume()` pick their way of running (internal: the Pipe façade calls it).
import type { PipeEvent } from "../events/types.js";
import type { RunOptions } from "../model/options.js";
import { NO_OPTIONS, runPipe } from "../runtime/run-stream.js";
import type { Store } from "../store/store.js";
import type { Durability, DurableRunOptions, ResumeOptions } from "./durable-options.js";
import { type DurablePipe, resumeDurable, runDurable } from "./durable-run.js";

/** What a Pipe's options decide for each of its runs. */
export interface RunDefaults {
  /** The Pipe's `store`: every run is stored there unless the run names its own. */
  readonly store: Store | undefined;
  /** The Pipe's `durability`. */
  readonly durability: Durability | undefined;
  /** The Pipe's `requireContext`: a run without `context` is an error. */
  readonly requireContext: boolean;
}

/**
 * The error of a run without `context` of a pipe made with `requireContext: true`, thrown from the
 * first iteration (as invalid `run()` options are), before anything runs or is stored.
 */
export function missingContextError(pipeName: string, call: string, fix: string): TypeError {
  return new TypeError(
    `${call}: pipe '${pipeName}' needs a context (it was made with \`requireContext: true\`), and this run was given none. Pass it: ${fix}.`,
  );
}

// biome-ignore lint/correctness/useYield: a stream that fails on its first iteration
async function* failing(error: Error): AsyncGenerator<PipeEvent, void, undefined> {
  throw error;
}

/** `pipe.run(state, options)`: a plain run, or a durable one when a store is given or set on the Pipe. */
export function startRun(
  pipe: DurablePipe,
  state: unknown,
  options: readonly unknown[],
  defaults: RunDefaults,
): AsyncGenerator<PipeEvent, void, undefined> {
  const runOptions = (options.length === 0 ? NO_OPTIONS : options[0]) as RunOptions<unknown> &
    DurableRunOptions;
  if (defaults.requireContext && runOptions.context === undefined)
    return failing(
      missingContextError(
        pipe.name,
        "run()",
        "pipe.run(state, { context }) or pipe.invoke(state, { context })",
      ),
    );
  const store = runOptions.store ?? defaults.store;
  if (store === undefined) return runPipe(pipe, state, runOptions);
  return runDurable(pipe, state, runOptions, store, defaults.durability);
}

/** `pipe.resume(runId, options)`: continues a stored run (see `resumeDurable`). */
export function startResume(
  pipe: DurablePipe,
  runId: string,
  options: ResumeOptions<unknown, unknown>,
  defaults: RunDefaults,
): AsyncGenerator<PipeEvent, void, undefined> {
  if (defaults.requireContext && options.context === undefined)
    return failing(missingContextError(pipe.name, `resume('${runId}')`, "pipe.resume(runId, { context })"));
  return resumeDurable(pipe, runId, options, options.store ?? defaults.store, defaults.durability);
}
