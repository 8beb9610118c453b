import type { Clock } from "../model/clock.js";
import { whenAborted } from "./abort-listeners.js";
import { isThenable } from "./guards.js";

/** How a bounded wait for user code ended. */
export type BoundedOutcome = "settled" | "timeout" | "aborted";

/**
 * Waits for user code's result (a hook's, an observer's) for at most `ms` on `clock` (no limit when
 * undefined), and no
 * longer than `signal` stays unaborted. Resolves `"settled"` when the value settled in time
 * (rejects with its error when it rejected), `"timeout"` or `"aborted"` otherwise: the caller
 * reports that and goes on, so code that never settles cannot hold a run. A value that is not a
 * promise settles at once, without a timer.
 */
export function bounded(
  value: unknown,
  clock: Clock,
  ms: number | undefined,
  signal?: AbortSignal,
): Promise<BoundedOutcome> {
  if (!isThenable(value)) return Promise.resolve("settled");
  if (signal?.aborted) {
    value.then(undefined, () => {});
    return Promise.resolve("aborted");
  }
  return new Promise<BoundedOutcome>((resolve, reject) => {
    let done = false;
    let forget: (() => void) | undefined;
    const finish = (outcome: BoundedOutcome) => {
      if (done) return;
      done = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      forget?.();
      resolve(outcome);
    };
    const timer = ms === undefined ? undefined : clock.setTimeout(() => finish("timeout"), ms);
    if (signal !== undefined) forget = whenAborted(signal, () => finish("aborted"));
    value.then(
      () => finish("settled"),
      (error: unknown) => {
        if (done) return;
        done = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        forget?.();
        reject(error);
      },
    );
  });
}
