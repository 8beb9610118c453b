import type { Observer, ObserverInfo, PipeEvent, PipelineEndData } from "../index.js";
import { buildTimeline, type GanttOptions, renderGantt, type Timeline } from "../inspect/index.js";
import type { LogSink } from "./event-logger.js";

/** Options of {@link TimelineRecorder}. */
export interface TimelineRecorderOptions {
  /**
   * How many finished runs to keep (the oldest is dropped first). Runs in progress are always kept.
   * @default 10
   */
  maxRuns?: number;
  /**
   * Prints each run's Gantt chart here when it ends.
   * @default nothing is printed
   * @example
   * ```ts
   * pipe.addObserver(new TimelineRecorder({ print: process.stderr, gantt: { width: 100 } }));
   * ```
   */
  print?: LogSink;
  /**
   * Options of the printed chart.
   * @default width 80, plain text
   */
  gantt?: GanttOptions;
}

/**
 * An observer that records each run's events and turns them into a timeline: per-invocation
 * start, end and status, printable as a terminal Gantt chart or as JSON (the model of
 * `justpipe/inspect`, which the command line and the dashboard also use).
 *
 * @example
 * ```ts
 * import { TimelineRecorder } from "justpipe/observers";
 * const recorder = new TimelineRecorder();
 * pipe.addObserver(recorder);
 * await pipe.invoke(state);
 * console.log(recorder.gantt({ width: 100 }));
 * await writeFile("timeline.json", JSON.stringify(recorder.timeline()));
 * ```
 */
export class TimelineRecorder implements Observer {
  readonly #runs = new Map<string, PipeEvent[]>();
  readonly #finished: string[] = [];
  readonly #maxRuns: number;
  readonly #print: LogSink | undefined;
  readonly #gantt: GanttOptions | undefined;
  #last: string | undefined;

  constructor(options: TimelineRecorderOptions = {}) {
    const maxRuns = options.maxRuns ?? 10;
    if (!Number.isInteger(maxRuns) || maxRuns < 1) {
      throw new TypeError(
        `Expected \`maxRuns\` to be an integer >= 1, got \`${String(maxRuns)}\` (${typeof maxRuns}).`,
      );
    }
    this.#maxRuns = maxRuns;
    this.#print = options.print;
    this.#gantt = options.gantt;
  }

  /** Starts recording a run. */
  onPipelineStart(info: ObserverInfo): void {
    this.#runs.set(info.runId, []);
    this.#last = info.runId;
  }

  /** Records one event. */
  onEvent(event: PipeEvent, info: ObserverInfo): void {
    let events = this.#runs.get(info.runId);
    if (events === undefined) {
      events = [];
      this.#runs.set(info.runId, events);
    }
    events.push(event);
  }

  /** A run ended: prints its chart when asked to, and drops the oldest runs beyond `maxRuns`. */
  onPipelineEnd(_end: PipelineEndData, info: ObserverInfo): void {
    this.#ended(info.runId);
  }

  /** A run failed: as {@link TimelineRecorder.onPipelineEnd}. */
  onPipelineError(_error: unknown, _end: PipelineEndData, info: ObserverInfo): void {
    this.#ended(info.runId);
  }

  #ended(runId: string): void {
    this.#finished.push(runId);
    while (this.#finished.length > this.#maxRuns) this.#runs.delete(this.#finished.shift()!);
    if (this.#print !== undefined && this.#runs.has(runId)) {
      this.#print.write(`${renderGantt(this.timeline(runId), this.#gantt)}\n`);
    }
  }

  /** The ids of the runs kept, oldest first. */
  get runIds(): string[] {
    return [...this.#runs.keys()];
  }

  /** The recorded events of a run (the latest run when `runId` is omitted). */
  events(runId?: string): readonly PipeEvent[] {
    return this.#runs.get(this.#resolve(runId)) ?? [];
  }

  /** The timeline of a run (the latest run when `runId` is omitted). JSON-serialisable. */
  timeline(runId?: string): Timeline {
    return buildTimeline(this.events(runId));
  }

  /** The Gantt chart of a run (the latest run when `runId` is omitted). */
  gantt(options?: GanttOptions, runId?: string): string {
    return renderGantt(this.timeline(runId), options ?? this.#gantt);
  }

  /** The timelines of every kept run, for `JSON.stringify`. */
  toJSON(): Timeline[] {
    return this.runIds.map((runId) => this.timeline(runId));
  }

  #resolve(runId: string | undefined): string {
    const id = runId ?? this.#last;
    if (id === undefined || !this.#runs.has(id)) {
      throw new Error(
        id === undefined
          ? "TimelineRecorder has recorded no run yet: add it with pipe.addObserver(recorder) and run the pipe."
          : `TimelineRecorder has no run '${id}': it keeps the last ${this.#maxRuns} runs (option maxRuns).`,
      );
    }
    return id;
  }
}
