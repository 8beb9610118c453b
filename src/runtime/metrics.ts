import { EventType, type RuntimeMetrics } from "../events/types.js";
import type { RunEvent } from "./run-event.js";

const SAMPLE_SIZE = 512;

/** Every event type, in the order `metrics.events` lists them. */
const EVENT_ORDER = Object.values(EventType);

/** The event types counted in `MetricsCollector.#counts`, by index. */
const COUNTED: readonly EventType[] = [
  "step_start",
  "step_end",
  "token",
  "map_worker",
  "barrier_wait",
  "barrier_release",
  "suspend",
  "map_start",
  "map_complete",
];

/** The `q` quantile of sorted samples, by linear interpolation. */
function percentile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** Collects {@link RuntimeMetrics} from the events a run emits. */
export class MetricsCollector {
  /** Counts of the frequent event types, in the order of {@link COUNTED}. */
  readonly #counts: [number, number, number, number, number, number, number, number, number] = [
    0, 0, 0, 0, 0, 0, 0, 0, 0,
  ];
  /** Counts of the other event types (one or two per run). */
  readonly #other: Partial<Record<EventType, number>> = {};
  readonly #latency: RuntimeMetrics["stepLatency"] = {};
  readonly #barriers: RuntimeMetrics["barriers"] = {};
  /** Duration samples of steps that ran more than once (made on the first such step). */
  #samples: Map<string, number[]> | undefined;
  tasksStarted = 0;
  tasksCompleted = 0;
  peakActive = 0;
  mapsStarted = 0;
  mapsCompleted = 0;
  workersStarted = 0;
  peakWorkers = 0;
  tokens = 0;
  retries = 0;
  suspends = 0;

  /** Counts one emitted event. */
  observe(event: RunEvent): void {
    const counts = this.#counts;
    // Most frequent first; every case is a compare of interned strings.
    switch (event.type) {
      case "step_start":
        counts[0]++;
        break;
      case "step_end":
        counts[1]++;
        break;
      case "token":
        counts[2]++;
        this.tokens++;
        break;
      case "map_worker":
        counts[3]++;
        break;
      case "barrier_wait":
        counts[4]++;
        this.#barrier(event.stage).waits++;
        break;
      case "barrier_release": {
        counts[5]++;
        const b = this.#barrier(event.stage);
        const ms = (event.payload as { durationMs: number }).durationMs;
        b.releases++;
        b.totalWaitMs += ms;
        if (ms > b.maxWaitMs) b.maxWaitMs = ms;
        break;
      }
      case "suspend":
        counts[6]++;
        this.suspends++;
        break;
      case "map_start":
        counts[7]++;
        this.mapsStarted++;
        break;
      case "map_complete":
        counts[8]++;
        this.mapsCompleted++;
        break;
      default:
        this.#other[event.type] = (this.#other[event.type] ?? 0) + 1;
    }
  }

  /** Records the duration of a step invocation that ended successfully. */
  stepEnded(stage: string, ms: number): void {
    const timing = this.#latency[stage];
    if (timing === undefined) {
      // A step that runs once needs no sample array: its only duration is every percentile.
      this.#latency[stage] = { count: 1, totalMs: ms, minMs: ms, maxMs: ms, p50Ms: ms, p95Ms: ms };
      return;
    }
    timing.count++;
    timing.totalMs += ms;
    if (ms < timing.minMs) timing.minMs = ms;
    if (ms > timing.maxMs) timing.maxMs = ms;
    // Reservoir sampling keeps percentiles cheap and memory bounded however many invocations run.
    const all = (this.#samples ??= new Map());
    const samples = all.get(stage);
    if (samples === undefined) all.set(stage, [timing.p50Ms, ms]);
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
    const other = this.#other;
    for (const type of EVENT_ORDER) {
      const index = COUNTED.indexOf(type);
      const count = index === -1 ? other[type] : counts[index];
      if (count !== undefined && count > 0) events[type] = count;
    }
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
    if (this.#samples !== undefined) {
      for (const [stage, samples] of this.#samples) {
        const sorted = samples.sort((a, b) => a - b);
        const timing = this.#latency[stage]!;
        timing.p50Ms = percentile(sorted, 0.5);
        timing.p95Ms = percentile(sorted, 0.95);
      }
    }
    return {
      queue: { maxDepth },
      tasks: { started: this.tasksStarted, completed: this.tasksCompleted, peakActive: this.peakActive },
      stepLatency: this.#latency,
      barriers: this.#barriers,
      maps: {
        mapsStarted: this.mapsStarted,
        mapsCompleted: this.mapsCompleted,
        workersStarted: this.workersStarted,
        peakWorkers: this.peakWorkers,
      },
      events: this.#eventCounts(),
      tokens: this.tokens,
      retries: this.retries,
      suspends: this.suspends,
    };
  }
}
