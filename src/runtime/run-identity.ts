let runPrefix: string | undefined;
let runCounter = 0;

/**
 * A run id unique across processes: a random per-process prefix (64 bits) and a counter. Ids only
 * need to be unique, not secret, so no crypto is loaded for them.
 */
export function nextRunId(): string {
  runPrefix ??= randomHex() + randomHex();
  return `${runPrefix}-${(++runCounter).toString(36)}`;
}

function randomHex(): string {
  return Math.floor(Math.random() * 2 ** 32)
    .toString(16)
    .padStart(8, "0");
}

/** The reason a run aborts its steps' signals (an `AbortError`, like the platform's own). */
export class RunAbort extends Error {
  constructor(message: string) {
    // No stack: it would only point into the scheduler, and capturing one costs microseconds.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "AbortError";
  }
}
