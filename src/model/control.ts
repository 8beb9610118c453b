/** Type of the {@link Stop} sentinel. */
export interface StopSignal {
  /** Always `"stop"`. */
  readonly kind: "stop";
}

/**
 * Return `Stop` from a step (or use it as a switch route) to end the run successfully: nothing new
 * starts, steps already running finish, and `FINISH` has status `success`.
 *
 * @example
 * ```ts
 * pipe.step("check", ({ state }) => (state.done ? Stop : undefined), { to: "work" });
 * ```
 */
export const Stop: StopSignal = Object.freeze({
  kind: "stop" as const,
  toString: () => "Stop",
});

/**
 * Return `new Suspend({ reason })` to pause a run for a human or an external event. The run ends
 * with `SUSPEND` then `FINISH` status `suspended`; resume with `pipe.run(state, { start })`.
 *
 * @example
 * ```ts
 * pipe.step("approve", ({ state }) => {
 *   if (!state.approved) return new Suspend({ reason: "needs approval" });
 * }, { to: "publish" });
 * ```
 */
export class Suspend {
  /** Why the run paused (shown in the `SUSPEND` payload). */
  readonly reason: string;
  /**
   * Creates a suspension to return from a step.
   *
   * @param options - `{ reason }`, or the reason itself as a string; the reason is `"suspended"`
   *   when omitted.
   */
  constructor(options: { reason: string } | string = { reason: "suspended" }) {
    this.reason = typeof options === "string" ? options : options.reason;
  }
}

/**
 * Return `new Retry()` (usually from an error handler) to run the step again, as a new attempt of
 * the same lineage (`attempt` + 1), at once. The Pipe's `maxRetries` bounds how often.
 *
 * @example
 * ```ts
 * pipe.step("fetch", fetchPage, {
 *   onError: ({ attempt }) => (attempt < 3 ? new Retry() : new Skip()),
 * });
 * ```
 */
export class Retry {
  /** Always `"retry"`. */
  readonly kind = "retry" as const;
}

/**
 * Return `new Skip()` from an error handler to recover without running the step's successors (in
 * a map worker, only that item is dropped); the rest of the run goes on.
 */
export class Skip {
  /** Always `"skip"`. */
  readonly kind = "skip" as const;
}

/** Return `new Raise(error?)` from a step or error handler to fail the step, exactly as a throw would. */
export class Raise {
  /** The error to fail with (the original error when omitted in an error handler). */
  readonly error: unknown;
  /**
   * Creates a failure to return from a step or an error handler.
   *
   * @param error - the error to fail with; omit it in an error handler to fail with the error being
   *   handled.
   */
  constructor(error?: unknown) {
    this.error = error;
  }
}
