/**
 * The command line's own failures. They never leave the `justpipe` process: `main()` prints their
 * message as one line and exits with their status (1 for a failure, 2 for a usage error).
 */

/** A failure the user can act on: printed as one line, exit status 1. */
export class CommandError extends Error {
  /** The process exit status. */
  readonly exitCode: number;
  /** Extra lines printed after the message (candidates, hints). */
  readonly details: readonly string[];

  constructor(
    message: string,
    options: { exitCode?: number; details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "CommandError";
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details ?? [];
  }
}

/** The command line was used wrongly (a bad flag value): exit status 2. */
export class UsageError extends CommandError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, { exitCode: 2, details });
    this.name = "UsageError";
  }
}

/** Parses JSON given on the command line (`--state`, `--input`), naming the option when it is not JSON. */
export function parseJsonOption(option: string, text: string, origin = "the value"): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CommandError(`${option}: ${origin} is not valid JSON (${reason})`);
  }
}
