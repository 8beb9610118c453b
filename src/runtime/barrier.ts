import type { JoinSpec } from "../graph/plan.js";

/** A parent's state in a wave (`BarrierProgress.arrivals`). */
const NOT_ARRIVED = 0;
const COMPLETED = 1;
const PRUNED = 2;

/** A slot's state in a wave (`BarrierProgress.slots`). */
const UNRESOLVED = 0;
const RESOLVED_DONE = 1;
const RESOLVED_PRUNED = 2;

/** One join's progress in its current wave: plain data (numbers and arrays), so it can be saved. */
export interface BarrierProgress {
  /** By parent position (`JoinSpec.parents`): NOT_ARRIVED, COMPLETED or PRUNED (its branch was skipped). */
  readonly arrivals: number[];
  /** By slot: unresolved (0), resolved by a completed alternative (1), resolved only through a pruned one (2). */
  readonly slots: number[];
  /** Slots still unresolved. */
  unresolved: number;
  /** Slots resolved only through pruned parents. */
  pruned: number;
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
const FIRE_RESET: ArrivalOutcome = { fire: true, skip: false, reset: true };
const SKIP_RESET: ArrivalOutcome = { fire: false, skip: true, reset: true };
const FIRE_ONLY: ArrivalOutcome = { fire: true, skip: false, reset: false };
const RESET_ONLY: ArrivalOutcome = { fire: false, skip: false, reset: true };

/**
 * `n` copies of `value` in a packed array. (Built by `push`, not `map` or `fill`: their result's
 * elements kind varies, and a field that sees two kinds deoptimizes the code that reads it.)
 */
function filled(n: number, value: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(value);
  return out;
}

/** A fresh wave. */
export function newWave(join: JoinSpec, now: number): BarrierProgress {
  return {
    arrivals: filled(join.parents.length, NOT_ARRIVED),
    slots: filled(join.slotParents.length, UNRESOLVED),
    unresolved: join.slotParents.length,
    pruned: 0,
    fired: false,
    since: now,
    expired: false,
  };
}

/** Parents that have not arrived in this wave. */
export function waitingFor(join: JoinSpec, progress: BarrierProgress): string[] {
  return join.parents.filter((_, i) => progress.arrivals[i] === NOT_ARRIVED);
}

/** A slot's state: resolved when one of its alternatives fully arrived, preferring a completed one. */
function slotState(alternatives: readonly (readonly number[])[], arrivals: readonly number[]): number {
  let state = UNRESOLVED;
  for (const alternative of alternatives) {
    let complete = true;
    let anyPruned = false;
    for (const p of alternative) {
      const arrived = arrivals[p]!;
      if (arrived === NOT_ARRIVED) {
        complete = false;
        break;
      }
      if (arrived === PRUNED) anyPruned = true;
    }
    if (!complete) continue;
    if (!anyPruned) return RESOLVED_DONE;
    state = RESOLVED_PRUNED;
  }
  return state;
}

/**
 * Records that `parent` arrived (completed, or `skipped` when its branch was pruned) and decides.
 * A slot is resolved when one of its alternatives fully arrived; an `all` join fires when every
 * slot resolved through completed parents, and is skipped when a resolved slot's only complete
 * alternatives contain a pruned parent. An `any` join fires on its first completed parent.
 * Only the slots that mention `parent` are re-decided, so a wave costs O(parents), not O(parents²).
 */
export function arrive(
  join: JoinSpec,
  progress: BarrierProgress,
  parent: string,
  skipped: boolean,
): ArrivalOutcome {
  const position = join.parentIndex.get(parent)!;
  const arrivals = progress.arrivals;
  if (arrivals[position] === NOT_ARRIVED) arrivals[position] = skipped ? PRUNED : COMPLETED;
  else if (!skipped) arrivals[position] = COMPLETED;
  const slots = progress.slots;
  for (const s of join.slotsOf[position]!) {
    const before = slots[s]!;
    const after = slotState(join.slotParents[s]!, arrivals);
    if (after === before) continue;
    slots[s] = after;
    if (before === UNRESOLVED) progress.unresolved--;
    else if (before === RESOLVED_PRUNED) progress.pruned--;
    if (after === UNRESOLVED) progress.unresolved++;
    else if (after === RESOLVED_PRUNED) progress.pruned++;
  }
  const resolved = progress.unresolved === 0;
  if (join.type === "any") {
    const fire = !skipped && !progress.fired;
    if (fire) progress.fired = true;
    if (!resolved) return fire ? FIRE_ONLY : WAIT;
    if (fire) return FIRE_RESET;
    return progress.fired ? RESET_ONLY : SKIP_RESET;
  }
  if (!resolved) return WAIT;
  return progress.pruned > 0 ? SKIP_RESET : FIRE_RESET;
}
