import { JustpipeError, type SerializedError } from "../index.js";

/**
 * A served run's stream could not be read to its end: the server wrote an error record (the run
 * threw before it could start, such as a `DefinitionError`), the response was not a success, or the
 * stream ended before the run's `FINISH` event (the connection dropped). Thrown by `readEvents()`.
 *
 * @example
 * ```ts
 * try {
 *   for await (const event of readEvents(await fetch("/ask"))) render(event);
 * } catch (error) {
 *   if (error instanceof StreamError) showRetry(error.message);
 * }
 * ```
 */
export class StreamError extends JustpipeError {
  /** The error the server reported, when it wrote one (as JSON: name, message, stack, code, cause). */
  readonly remote: SerializedError | undefined;
  /** The HTTP status, when the response was not a success. */
  readonly status: number | undefined;

  /**
   * Creates the error.
   *
   * @param message - what went wrong and what to check.
   * @param details - `remote`: the server's error record; `status`: the HTTP status.
   */
  constructor(message: string, details: { remote?: SerializedError; status?: number } = {}) {
    super("STREAM", message);
    this.remote = details.remote;
    this.status = details.status;
  }
}
