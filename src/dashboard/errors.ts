import { JustpipeError } from "../index.js";

/**
 * A dashboard that cannot start as asked: an exposed address without a token, a bad port, a
 * missing app folder. The message says what to change.
 *
 * @example
 * ```ts
 * try {
 *   await startDashboard({ store, host: "0.0.0.0" });
 * } catch (error) {
 *   if (error instanceof DashboardError) console.error(error.message); // "... pass a token ..."
 * }
 * ```
 */
export class DashboardError extends JustpipeError {
  /**
   * @param message - what is wrong and how to fix it.
   * @param options - `cause`: the original error.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("DASHBOARD", message, options);
  }
}
