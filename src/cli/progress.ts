/**
 * The steps in progress of `justpipe run`/`resume`, on stderr: a line per step as it ends when
 * stderr is a terminal, and always one summary line at the end.
 */
import type { PipeEvent, PipelineEndData } from "justpipe";
import type { Colors } from "./output.js";
import { colorStatus } from "./output.js";
import { formatDuration } from "./time.js";

/** Writes step progress for one run. */
export class Progress {
  readonly #colors: Colors;
  readonly #live: boolean;
  readonly #write: (text: string) => void;
  #tokensEndedLine = true;
  /** Item counts of maps that completed, until their own STEP_END. */
  readonly #items = new Map<string, number>();

  constructor(
    colors: Colors,
    live: boolean,
    write: (text: string) => void = (text) => process.stderr.write(text),
  ) {
    this.#colors = colors;
    this.#live = live;
    this.#write = write;
  }

  /** Notes that tokens were written to stdout (so the next stderr line starts on a new line). */
  tokenWritten(text: string): void {
    this.#tokensEndedLine = text.endsWith("\n");
  }

  /** Shows what an event means for progress. */
  event(event: PipeEvent): void {
    if (!this.#live) return;
    const colors = this.#colors;
    // A map's workers can be thousands: only their failures get a line; the map's own end counts them.
    const isWorker = event.scope.length > 0 && /\[\d+\]$/.test(event.scope[event.scope.length - 1]!);
    if (isWorker && event.type !== "step_error") return;
    if (event.type === "map_complete") {
      this.#items.set(event.stage, event.payload.itemCount);
      return;
    }
    let line: string | undefined;
    if (event.type === "step_start")
      line = colors.dim(`▸ ${event.stage}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`);
    else if (event.type === "step_end") {
      const ms = (event.meta as { framework?: { durationMs?: number } } | null)?.framework?.durationMs;
      const items = this.#items.get(event.stage);
      this.#items.delete(event.stage);
      line = `${colors.green("✓")} ${event.stage} ${colors.dim(`${formatDuration(ms)}${items === undefined ? "" : `, ${items} items`}`)}`;
    } else if (event.type === "step_error") {
      line = `${colors.red("✗")} ${event.stage}: ${event.payload.message}${event.payload.retrying ? colors.dim(" (retrying)") : ""}`;
    } else if (event.type === "suspend")
      line = `${colors.yellow("‖")} suspended at ${event.payload.step}: ${event.payload.reason}`;
    if (line === undefined) return;
    this.#line(line);
  }

  /** The summary line. */
  finish(runId: string, end: PipelineEndData | undefined): void {
    const colors = this.#colors;
    if (!end) {
      this.#line(`${colors.magenta("closed")} before the run finished ${colors.dim(`run ${runId}`)}`);
      return;
    }
    const where = end.failedStep ? ` at ${end.failedStep}` : "";
    const error = end.error ? `: ${end.error.split("\n")[0]}` : "";
    this.#line(
      `${colorStatus(end.status, colors)}${where}${error} in ${formatDuration(end.durationMs)}  ${colors.dim(`run ${runId}`)}`,
    );
  }

  #line(text: string): void {
    if (!this.#tokensEndedLine) {
      this.#write("\n");
      this.#tokensEndedLine = true;
    }
    this.#write(`${text}\n`);
  }
}
