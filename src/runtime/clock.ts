import type { Clock } from "../model/clock.js";
import { whenAborted } from "./abort-listeners.js";

// `performance` is a lazy global in Node whose first read loads perf_hooks (~1.5 ms): read it on
// the first timestamp, not at import.
let origin = 0;
let monotonic: (() => number) | undefined;
const MAX_TIMER = 2 ** 31 - 1;

function firstNow(): number {
  origin = performance.timeOrigin;
  monotonic = performance.now.bind(performance);
  return origin + monotonic();
}

/** The wall clock: `performance` for time, Node's timers for waiting. */
export const realClock: Clock = {
  now: () => (monotonic === undefined ? firstNow() : origin + monotonic()),
  setTimeout: (callback, ms) => {
    if (ms <= MAX_TIMER) return setTimeout(callback, ms);
    // Node fires a timer above 2^31-1 ms at once: wait in chunks instead.
    const handle = { timer: undefined as ReturnType<typeof setTimeout> | undefined };
    const due = Date.now() + ms;
    const arm = () => {
      const left = due - Date.now();
      handle.timer = left > MAX_TIMER ? setTimeout(arm, MAX_TIMER) : setTimeout(callback, Math.max(0, left));
    };
    arm();
    return handle;
  },
  clearTimeout: (handle) => {
    if (handle !== null && typeof handle === "object" && "timer" in handle) {
      clearTimeout((handle as { timer: ReturnType<typeof setTimeout> }).timer);
    } else clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    let forget: (() => void) | undefined;
    const handle = clock.setTimeout(() => {
      forget?.();
      resolve();
    }, ms);
    // One shared listener per signal: many concurrent backoffs on the run's stop signal add no warning.
    if (signal !== undefined) {
      forget = whenAborted(signal, () => {
        clock.clearTimeout(handle);
        reject(signal.reason);
      });
    }
  });
}
