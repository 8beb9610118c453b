import type { RuntimeMetrics, StepTiming } from "../events/outcome.js";
import { EventType } from "../events/types.js";
import type { RunEvent } from "./run-event.js";

const SAMPLE_SIZE = 512;

/** Every event type, in the order `metrics.events` lists them; `#counts` is indexed the same way. */
const EVENT_ORDER: readonly EventType[] = Object.values(EventType);
const SLOT = Object.fromEntries(EVENT_ORDER.map((type, i) => [type, i])) as Record<EventType, number>;
const STEP_START = SLOT.step_start;
const STEP_END = SLOT.step_end;
const TOKEN = SLOT.token;
const MAP_WORKER = SLOT.map_worker;
const NO_COUNTS: readonly number[] = EVENT_ORDER.map(() => 0);

/** The `q` quantile of sorted samples, by linear interpolation. */
function percentile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** Collects {@link RuntimeMetrics} from the events a run emits. */
export class MetricsCollector {
  /** Events emitted, by type, indexed like {@link EVENT_ORDER}. */
  readonly #counts: number[] = NO_COUNTS.slice();
  /** Latency by plan index (a keyed object here made every step end a megamorphic store). */
  readonly #timings: (StepTiming | undefined)[] = [];
  /** The timed steps, in the order they first ended. */
  readonly #timed: { readonly name: string; readonly index: number }[] = [];
  readonly #barriers: RuntimeMetrics["barriers"] = {};
  /** Duration samples by plan index, for steps that ended more than once. */
  readonly #samples: (number[] | undefined)[] = [];
  tasksStarted = 0;
  tasksCompleted = 0;
  peakActive = 0;
  workersStarted = 0;
  peakWorkers = 0;
  retries = 0;
  infraRetries = 0;

  /** Counts one emitted event. */
  observe(event: RunEvent): void {
    const counts = this.#counts;
    // The per-step and per-item types first, each a compare of interned strings.
    switch (event.type) {
      case "step_start":
        counts[STEP_START]!++;
        return;
      case "step_end":
        counts[STEP_END]!++;
        return;
      case "token":
        counts[TOKEN]!++;
        return;
      case "map_worker":
        counts[MAP_WORKER]!++;
        return;
    }
    counts[SLOT[event.type]]!++;
    if (event.type === "barrier_wait") this.#barrier(event.stage).waits++;
    else if (event.type === "barrier_release") {
      const b = this.#barrier(event.stage);
      const ms = (event.payload as { durationMs: number }).durationMs;
      b.releases++;
      b.totalWaitMs += ms;
      if (ms > b.maxWaitMs) b.maxWaitMs = ms;
    }
  }

  /** Records the duration of a step invocation that ended successfully. */
  stepEnded(node: { readonly name: string; readonly index: number }, ms: number): void {
    const timing = this.#timings[node.index];
    if (timing === undefined) {
      // A step that runs once needs no sample array: its only duration is every percentile.
      this.#timings[node.index] = { count: 1, totalMs: ms, minMs: ms, maxMs: ms, p50Ms: ms, p95Ms: ms };
      this.#timed.push(node);
      return;
    }
    timing.count++;
    timing.totalMs += ms;
    if (ms < timing.minMs) timing.minMs = ms;
    if (ms > timing.maxMs) timing.maxMs = ms;
    // Reservoir sampling keeps percentiles cheap and memory bounded however many invocations run.
    const samples = this.#samples[node.index];
    if (samples === undefined) this.#samples[node.index] = [timing.p50Ms, ms];
    else if (samples.length < SAMPLE_SIZE) samples.push(ms);
    else {
      const slot = Math.floor(Math.random() * timing.count);
      if (slot < SAMPLE_SIZE) samples[slot] = ms;
    }
  }

  /** The counts by type, in {@link EVENT_ORDER} (the order of `EventType`), only types that occurred. */
  #eventCounts(): Partial<Record<EventType, number>> {
    const events: Partial<Record<EventType, number>> = {};
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) events[EVENT_ORDER[i]!] = counts[i]!;
    return events;
  }

  /** Counts a barrier timeout. */
  barrierTimedOut(step: string): void {
    this.#barrier(step).timeouts++;
  }

  #barrier(step: string) {
    let b = this.#barriers[step];
    if (b === undefined)
      this.#barriers[step] = b = { waits: 0, releases: 0, timeouts: 0, totalWaitMs: 0, maxWaitMs: 0 };
    return b;
  }

  /** The counters, taken once when the run ends (nothing updates the collector after that). */
  snapshot(maxDepth: number): RuntimeMetrics {
    const stepLatency: Record<string, StepTiming> = {};
    for (const node of this.#timed) {
      const timing = this.#timings[node.index]!;
      const samples = this.#samples[node.index];
      if (samples !== undefined) {
        const sorted = samples.sort((a, b) => a - b);
        timing.p50Ms = percentile(sorted, 0.5);
        timing.p95Ms = percentile(sorted, 0.95);
      }
      stepLatency[node.name] = timing;
    }
    return {
      queue: { maxDepth },
      tasks: { started: this.tasksStarted, completed: this.tasksCompleted, peakActive: this.peakActive },
      stepLatency,
      barriers: this.#barriers,
      maps: {
        mapsStarted: this.#counts[SLOT.map_start]!,
        mapsCompleted: this.#counts[SLOT.map_complete]!,
        workersStarted: this.workersStarted,
        peakWorkers: this.peakWorkers,
      },
      events: this.#eventCounts(),
      tokens: this.#counts[TOKEN]!,
      retries: this.retries,
      infraRetries: this.infraRetries,
      suspends: this.#counts[SLOT.suspend]!,
    };
  }
}
