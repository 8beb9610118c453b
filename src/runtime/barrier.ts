import type { JoinSpec } from "../graph/plan.js";

/** One join's progress in its current wave: plain data, so a run's progress can be saved. */
export interface BarrierProgress {
  /** Parent name -> true when that parent arrived skipped (pruned), false when it completed. */
  readonly arrivals: Record<string, boolean>;
  /** Whether an `any` join already started in this wave. */
  fired: boolean;
  /** When the first parent of the wave arrived (clock ms). */
  readonly since: number;
  /** The join's barrier timed out in this wave: late parents only complete the wave. */
  expired: boolean;
}

/** What one arrival means for the join. */
export interface ArrivalOutcome {
  /** Start the join now. */
  readonly fire: boolean;
  /** The wave is over without the join running: prune its successors. */
  readonly skip: boolean;
  /** The wave is over: forget its progress. */
  readonly reset: boolean;
}

const WAIT: ArrivalOutcome = { fire: false, skip: false, reset: false };

/** A fresh wave. */
export function newWave(now: number): BarrierProgress {
  return { arrivals: Object.create(null), fired: false, since: now, expired: false };
}

/** Parents that have not arrived in this wave. */
export function waitingFor(join: JoinSpec, progress: BarrierProgress): string[] {
  return join.parents.filter((p) => !(p in progress.arrivals));
}

/**
 * Records that `parent` arrived (completed, or `skipped` when its branch was pruned) and decides.
 * A slot is resolved when one of its alternatives fully arrived; an `all` join fires when every
 * slot resolved through completed parents, and is skipped when a resolved slot's only complete
 * alternatives contain a pruned parent. An `any` join fires on its first completed parent.
 */
export function arrive(
  join: JoinSpec,
  progress: BarrierProgress,
  parent: string,
  skipped: boolean,
): ArrivalOutcome {
  if (!(parent in progress.arrivals)) progress.arrivals[parent] = skipped;
  else if (!skipped) progress.arrivals[parent] = false;
  let resolved = true;
  let pruned = false;
  for (const slot of join.slots) {
    let best: "none" | "skipped" | "done" = "none";
    for (const alternative of slot) {
      let complete = true;
      let anySkipped = false;
      for (const p of alternative) {
        const arrived = progress.arrivals[p];
        if (arrived === undefined) {
          complete = false;
          break;
        }
        if (arrived) anySkipped = true;
      }
      if (!complete) continue;
      if (!anySkipped) {
        best = "done";
        break;
      }
      best = "skipped";
    }
    if (best === "none") resolved = false;
    else if (best === "skipped") pruned = true;
  }
  if (join.type === "any") {
    const fire = !skipped && !progress.fired;
    if (fire) progress.fired = true;
    if (!resolved) return fire ? { fire, skip: false, reset: false } : WAIT;
    return { fire, skip: !progress.fired, reset: true };
  }
  if (!resolved) return WAIT;
  return { fire: !pruned, skip: pruned, reset: true };
}
