/** A request the API refuses (bad query parameter, unknown run): answered as JSON with `status`. */
export class HttpProblem extends Error {
  /** The HTTP status to answer with. */
  readonly status: number;
  /**
   * @param status - the HTTP status (400 for a bad request, 404 for a missing run, ...).
   * @param message - what is wrong, shown to the caller as the JSON `error`.
   */
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
