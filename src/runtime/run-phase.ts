import type { TerminalSignal } from "../events/failure.js";

/**
 * Where a run is in its life, as one number that only grows: each transition moves it to a later
 * phase, never back (a run that stopped cannot resume; a timeout after a failure still ends the
 * run as `timeout`). The scheduler changes it only through its named transitions
 * (`stopGracefully`, `suspend`, the fail-fast abort, `timeOut`, `cancel`, `closeByClient`, the
 * finish), and everything else derives from it: whether new steps may start (`stopping`), whether
 * running steps were aborted (`aborted`), and the status `FINISH` reports.
 *
 * Numbers rather than strings: the phase is read on every step start.
 */
export const RunPhase = {
  /** Steps start as their predecessors end (startup hooks run in this phase too). */
  RUNNING: 0,
  /** A step returned `Stop` (or a startup hook failed): nothing new starts, running steps finish. */
  STOPPING: 1,
  /** A step returned `Suspend` (or a child run suspended): as STOPPING, and the run ends `suspended`. */
  SUSPENDING: 2,
  /** A step failed for good (fail fast) or the runtime failed: running steps are aborted. */
  FAILING: 3,
  /** The run's `timeout` elapsed: `TIMEOUT` was emitted and every open step closed. */
  TIMED_OUT: 4,
  /** The run's `signal` aborted: `CANCELLED` was emitted and every open step closed. */
  CANCELLED: 5,
  /** The consumer left the event loop: nothing more is delivered, `FINISH` included. */
  CLIENT_CLOSED: 6,
  /** `FINISH` is decided and the queue is closed: no transition applies any more. */
  FINISHED: 7,
} as const;

/** One of the {@link RunPhase} values. */
export type RunPhase = (typeof RunPhase)[keyof typeof RunPhase];

/** What the phase tells the outcome (failures recorded in the journal decide the rest). */
export function terminalSignalOf(phase: RunPhase): TerminalSignal {
  switch (phase) {
    case RunPhase.SUSPENDING:
      return "suspended";
    case RunPhase.TIMED_OUT:
      return "timeout";
    case RunPhase.CANCELLED:
      return "cancelled";
    case RunPhase.CLIENT_CLOSED:
      return "client_closed";
    default:
      return undefined;
  }
}
