import { JustpipeError } from "../errors/errors.js";
import { primaryFailure } from "./failure.js";
import type { PipelineEndData } from "./outcome.js";

/**
 * Thrown by `pipe.invoke()` when the run did not succeed (`failed`, `timeout`, `cancelled` or
 * `suspended`). `end` is the
 * run's `FINISH` payload (status, failed step, every failure record, metrics); `cause` is the
 * primary failure's thrown value, when there was one. Pass `throwOnFailure: false` to `invoke()`
 * to get the end data back instead.
 *
 * @example
 * ```ts
 * try {
 *   const { state } = await pipe.invoke({ question });
 * } catch (error) {
 *   if (error instanceof PipelineError) console.error(error.end.failedStep, error.end.errors);
 *   else throw error;
 * }
 * ```
 */
export class PipelineError extends JustpipeError {
  /** How the run ended: the `FINISH` payload. */
  readonly end: PipelineEndData;
  /** The pipe's name. */
  readonly pipeName: string;

  /**
   * Creates the error; its message says how the run ended and where it failed.
   *
   * @param pipeName - the pipe's name.
   * @param end - the run's `FINISH` payload.
   */
  constructor(pipeName: string, end: PipelineEndData) {
    const failure = primaryFailure(end);
    super(
      "PIPELINE_FAILED",
      describeEnd(pipeName, end),
      failure?.cause === undefined ? undefined : { cause: failure.cause },
    );
    this.end = end;
    this.pipeName = pipeName;
  }
}

function describeEnd(pipeName: string, end: PipelineEndData): string {
  const hint = " (invoke(state, { throwOnFailure: false }) returns the end data instead of throwing)";
  switch (end.status) {
    case "failed": {
      const where =
        end.failedStep === undefined ? `in its ${end.failureKind} phase` : `at step '${end.failedStep}'`;
      return `Pipeline '${pipeName}' failed ${where}: ${end.error ?? "unknown error"}${hint}`;
    }
    case "timeout":
      return `Pipeline '${pipeName}' timed out: its run \`timeout\` elapsed${hint}`;
    case "cancelled":
      return `Pipeline '${pipeName}' was cancelled${hint}`;
    case "suspended":
      return `Pipeline '${pipeName}' suspended and has no result yet; resume it to finish${hint}`;
    default:
      return `Pipeline '${pipeName}' ended with status '${end.status}'${hint}`;
  }
}
