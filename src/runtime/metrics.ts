import type { EventType, RuntimeMetrics } from "../events/types.js";
import type { RunEvent } from "./run-event.js";

const SAMPLE_SIZE = 512;

/** The `q` quantile of sorted samples, by linear interpolation. */
function percentile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

/** Collects {@link RuntimeMetrics} from the events a run emits. */
export class MetricsCollector {
  readonly #events: Partial<Record<EventType, number>> = {};
  readonly #latency: RuntimeMetrics["stepLatency"] = {};
  readonly #barriers: RuntimeMetrics["barriers"] = {};
  readonly #samples = new Map<string, number[]>();
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
    const type = event.type;
    this.#events[type] = (this.#events[type] ?? 0) + 1;
    switch (type) {
      case "token":
        this.tokens++;
        break;
      case "suspend":
        this.suspends++;
        break;
      case "map_start":
        this.mapsStarted++;
        break;
      case "map_complete":
        this.mapsCompleted++;
        break;
      case "barrier_wait":
        this.#barrier(event.stage).waits++;
        break;
      case "barrier_release": {
        const b = this.#barrier(event.stage);
        const ms = (event.payload as { durationMs: number }).durationMs;
        b.releases++;
        b.totalWaitMs += ms;
        if (ms > b.maxWaitMs) b.maxWaitMs = ms;
        break;
      }
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
    const samples = this.#samples.get(stage);
    if (samples === undefined) this.#samples.set(stage, [timing.p50Ms, ms]);
    else if (samples.length < SAMPLE_SIZE) samples.push(ms);
    else {
      const slot = Math.floor(Math.random() * timing.count);
      if (slot < SAMPLE_SIZE) samples[slot] = ms;
    }
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

  /** The counters, taken once when the run ends (nothing updates latency or barriers after that). */
  snapshot(maxDepth: number): RuntimeMetrics {
    for (const [stage, samples] of this.#samples) {
      if (samples.length < 2) continue;
      const sorted = samples.sort((a, b) => a - b);
      const timing = this.#latency[stage]!;
      timing.p50Ms = percentile(sorted, 0.5);
      timing.p95Ms = percentile(sorted, 0.95);
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
      events: { ...this.#events },
      tokens: this.tokens,
      retries: this.retries,
      suspends: this.suspends,
    };
  }
}
