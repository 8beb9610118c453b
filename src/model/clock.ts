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
