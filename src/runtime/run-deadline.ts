import { messageOf } from "../events/failure.js";
import type { Clock } from "../model/clock.js";
import type { RunOptions } from "../model/options.js";
import { whenAborted } from "./abort-listeners.js";
import { RunAbort } from "./run-identity.js";

/** What the run `timeout` and `signal` end the run with. */
export interface Terminable {
  timeOut(reason: string): void;
  cancel(reason: string): void;
}

/** Arms the run's `timeout` and `signal` options; returns what disarms them. */
export function armDeadline(options: RunOptions<unknown>, clock: Clock, run: Terminable): () => void {
  const { signal, timeout } = options;
  let timer: unknown;
  let forget: (() => void) | undefined;
  if (timeout !== undefined) {
    timer = clock.setTimeout(() => run.timeOut(`Run exceeded its timeout of ${timeout} ms`), timeout);
  }
  if (signal !== undefined) {
    // A child run cancelled by its parent's abort repeats the parent's reason as is.
    const onAbort = () =>
      run.cancel(
        signal.reason instanceof RunAbort
          ? signal.reason.message
          : `Run cancelled: ${messageOf(signal.reason ?? "aborted")}`,
      );
    if (signal.aborted) onAbort();
    // One shared listener per signal: one signal passed to many runs (or a parent's signal to many
    // sub-pipeline children) adds no MaxListenersExceededWarning.
    else forget = whenAborted(signal, onAbort);
  }
  return () => {
    if (timer !== undefined) clock.clearTimeout(timer);
    forget?.();
  };
}
