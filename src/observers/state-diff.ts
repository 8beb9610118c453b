import type { EventHook, Pipe, PipeEvent } from "../index.js";
import { diffJson, type JsonPatchOperation } from "./json-patch.js";
import { type Redaction, redactionTest, toJsonSafe } from "./json-safe.js";

/** What one step invocation changed in the state. */
export interface StateChange {
  /** The run. */
  readonly runId: string;
  /** The step (the event's stage). */
  readonly step: string;
  /** The invocation, or `null` for changes seen at the end of the run (shutdown hooks). */
  readonly invocationId: string | null;
  /** Its attempt number. */
  readonly attempt: number;
  /** How it ended: the type of its closing event (`step_end`, `step_error`, `cancelled`), or `finish`. */
  readonly closedBy: string;
  /** When it ended (ms since the epoch, by the run's clock). */
  readonly timestamp: number;
  /** The changes, as RFC 6902 JSON Patch operations over the JSON form of the state. */
  readonly operations: readonly JsonPatchOperation[];
}

/** Options of {@link StateDiffTracker}. */
export interface StateDiffTrackerOptions {
  /**
   * Keys (any depth, case-insensitive) or a predicate whose values are recorded as `"[REDACTED]"`.
   * @default nothing is redacted
   */
  redact?: Redaction;
  /**
   * Called with each change as it is recorded.
   * @default none
   */
  onChange?: (change: StateChange) => void;
  /**
   * Most changes kept (the oldest are dropped first).
   * @default 10000
   */
  maxChanges?: number;
}

interface TrackedRun {
  readonly state: unknown;
  snapshot: unknown;
}

/**
 * Records what each step changed in the state, as JSON Patch operations: it snapshots the state
 * (as JSON: dates as ISO strings, maps as objects, sets as arrays) when the run starts and again
 * each time a step invocation ends, and attributes the difference to that invocation. Steps that
 * run one after another are attributed exactly; while several run at once, a change made by a
 * step still running is attributed to whichever step ends first. It attaches as an event hook,
 * which sees events as they happen (observers see them as they are delivered).
 *
 * Each snapshot copies the state: meant for debugging and tests, not for hot paths.
 *
 * @example
 * ```ts
 * import { StateDiffTracker } from "justpipe/observers";
 * const tracker = new StateDiffTracker({ redact: ["token"] });
 * tracker.attach(pipe);
 * await pipe.invoke({ query: "tea" });
 * console.log(tracker.changesOf("search")); // [{ step: "search", operations: [{ op: "add", path: "/hits", ... }] }]
 * ```
 */
export class StateDiffTracker {
  readonly #runs = new Map<string, TrackedRun>();
  readonly #changes: StateChange[] = [];
  readonly #hidden: ((key: string, value: unknown) => boolean) | undefined;
  readonly #onChange: ((change: StateChange) => void) | undefined;
  readonly #maxChanges: number;

  constructor(options: StateDiffTrackerOptions = {}) {
    this.#hidden = redactionTest(options.redact);
    this.#onChange = options.onChange;
    this.#maxChanges = options.maxChanges ?? 10_000;
  }

  /**
   * Starts tracking the runs of `pipe` (before its first run). Returns what removes it again.
   * A sub-pipeline's state is its own: attach the tracker to the child pipe as well to see it.
   */
  attach(pipe: Pipe<any, any>): () => void {
    return pipe.addEventHook(this.hook);
  }

  /** The event hook that does the work (for `pipe.addEventHook` or `new Pipe` setups of your own). */
  readonly hook: EventHook = (event) => {
    this.#see(event);
    return event;
  };

  #snapshot(state: unknown): unknown {
    return toJsonSafe(state, this.#hidden, 64);
  }

  #see(event: PipeEvent): void {
    if (event.parentRunId !== null) return;
    switch (event.type) {
      case "start":
        this.#runs.set(event.runId, { state: event.payload, snapshot: this.#snapshot(event.payload) });
        return;
      case "step_end":
      case "step_error":
      case "cancelled":
        if (event.invocationId !== null) this.#record(event);
        return;
      case "finish":
        this.#record(event);
        this.#runs.delete(event.runId);
        return;
    }
  }

  #record(event: PipeEvent): void {
    const run = this.#runs.get(event.runId);
    if (run === undefined) return;
    const snapshot = this.#snapshot(run.state);
    const operations = diffJson(run.snapshot, snapshot);
    run.snapshot = snapshot;
    if (operations.length === 0) return;
    const change: StateChange = {
      runId: event.runId,
      step: event.stage,
      invocationId: event.invocationId,
      attempt: event.attempt,
      closedBy: event.type,
      timestamp: event.timestamp,
      operations,
    };
    this.#changes.push(change);
    if (this.#changes.length > this.#maxChanges) this.#changes.shift();
    this.#onChange?.(change);
  }

  /** Every recorded change, in order (optionally of one run). */
  changes(runId?: string): readonly StateChange[] {
    return runId === undefined ? [...this.#changes] : this.#changes.filter((c) => c.runId === runId);
  }

  /** The changes made by one step (every invocation, every run). */
  changesOf(step: string): readonly StateChange[] {
    return this.#changes.filter((change) => change.step === step);
  }

  /** Forgets every recorded change. */
  clear(): void {
    this.#changes.length = 0;
  }
}
