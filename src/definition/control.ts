/** Type of the {@link Stop} sentinel. */
export interface StopSignal {
  readonly kind: "stop";
}

/**
 * Return `Stop` from a step (or use it as a switch route) to end the run successfully: nothing new
 * starts, steps already running finish.
 */
export const Stop: StopSignal = Object.freeze({
  kind: "stop" as const,
  toString: () => "Stop",
});

/**
 * Return `new Suspend({ reason })` to pause a run for a human or an external event. The run ends
 * with `SUSPEND` then `FINISH` status `suspended`; resume with `pipe.run(state, { start })`.
 */
export class Suspend {
  /** Why the run paused (shown in the `SUSPEND` payload). */
  readonly reason: string;
  constructor(options: { reason: string } | string = { reason: "suspended" }) {
    this.reason = typeof options === "string" ? options : options.reason;
  }
}

/** Return `new Retry()` (usually from an error handler) to run the step again. */
export class Retry {
  readonly kind = "retry" as const;
}

/** Return `new Skip()` from an error handler to drop the step's successors and go on. */
export class Skip {
  readonly kind = "skip" as const;
}

/** Return `new Raise(error?)` from a step or error handler to fail the step, exactly as a throw would. */
export class Raise {
  /** The error to fail with (the original error when omitted in an error handler). */
  readonly error: unknown;
  constructor(error?: unknown) {
    this.error = error;
  }
}
