/**
 * The source of time for a run: timestamps, durations, timeouts and retry backoff all go through
 * it, so tests can swap in a `SimulatedClock` and never sleep.
 */
export interface Clock {
  /** Milliseconds since the epoch (may be fractional). */
  now(): number;
  /** Calls `callback` after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending {@link Clock.setTimeout}. */
  clearTimeout(handle: unknown): void;
}

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
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
