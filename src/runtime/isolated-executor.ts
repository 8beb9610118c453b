import type { ExecutorMessage, StepExecutor, StepTask } from "../model/executor.js";
import { stateView } from "../model/state-view.js";
import { isAsyncIterator, isThenable } from "./guards.js";

/** Options of {@link isolatedExecutor}. */
export interface IsolatedExecutorOptions {
  /** The steps it isolates; the others run as usual. Default: every step. */
  readonly steps?: readonly string[];
}

/**
 * Runs handlers in this process with the semantics of remote execution: each handler works on its
 * own copy-on-write view of the state (see `stateView`: it reads the run's state, its writes stay
 * private), and its changes come back as a delta applied when it ends (in completion order, with
 * conflict checks). Use it as the fast test double of `bullmqExecutor`: a pipeline that
 * passes with it behaves the same in worker processes.
 *
 * @example
 * ```ts
 * const result = await pipe.invoke(state, { executor: isolatedExecutor() });
 * ```
 */
export function isolatedExecutor(options: IsolatedExecutorOptions = {}): StepExecutor {
  const steps = options.steps === undefined ? undefined : new Set(options.steps);
  return {
    name: "isolated",
    runs: (step) => steps === undefined || steps.has(step),
    execute: (task, signal) => runIsolated(task, signal),
  };
}

async function* runIsolated(
  task: StepTask,
  signal: AbortSignal,
): AsyncGenerator<ExecutorMessage, void, undefined> {
  const { view, delta } = stateView(task.state as object);
  let result: unknown;
  try {
    result = task.invoke(view, signal);
    if (isThenable(result)) result = await untilAborted(result, signal);
    if (task.kind !== "map" && isAsyncIterator(result)) {
      const iterator = result;
      try {
        for (;;) {
          const next = await untilAborted(iterator.next(), signal);
          if (next.done) {
            result = next.value;
            break;
          }
          yield { type: "token", value: next.value };
        }
      } finally {
        if (signal.aborted) void Promise.resolve(iterator.return?.(undefined)).catch(() => {});
      }
    }
  } catch (error) {
    yield { type: "error", error };
    return;
  }
  yield { type: "result", control: result, delta: delta() };
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
