import type { StepDefinition } from "../model/step-definition.js";
import { reachable } from "./algorithms.js";
import type { JoinSpec } from "./plan.js";
import type { ResolvedTargets } from "./targets.js";

/** A join's spec, with the position tables its barrier works from. */
export function joinSpec(
  parents: readonly string[],
  slots: string[][][],
  definition: StepDefinition,
): JoinSpec {
  const parentIndex = new Map(parents.map((p, i) => [p, i]));
  const slotParents = slots.map((slot) =>
    slot.map((alternative) => alternative.map((p) => parentIndex.get(p)!)),
  );
  const slotsOf: number[][] = parents.map(() => []);
  slotParents.forEach((slot, s) => {
    for (const position of new Set(slot.flat())) slotsOf[position]!.push(s);
  });
  return {
    parents,
    slots,
    parentIndex,
    slotParents,
    slotsOf,
    type: definition.barrierType,
    timeout: definition.barrierTimeout,
  };
}

/**
 * Groups a join's parents into slots. Parents reached from different routes of one switch are
 * alternatives (only one branch runs), so the join waits for the branch that was taken.
 */
export function buildSlots(
  parents: readonly string[],
  switches: readonly StepDefinition[],
  resolved: ResolvedTargets["resolved"],
  successors: ReadonlyMap<string, readonly string[]>,
): string[][][] {
  const assigned = new Set<string>();
  const slots: string[][][] = [];
  for (const switchStep of switches) {
    const routes = resolved.get(switchStep.name);
    const targets = new Set<string>();
    for (const t of routes?.table?.values() ?? []) if (typeof t === "string") targets.add(t);
    if (typeof routes?.fallback === "string") targets.add(routes.fallback);
    if (targets.size < 2) continue;
    const groups: string[][] = [];
    const owner = new Map<string, number>();
    let index = 0;
    for (const t of targets) {
      const reach = reachable([t], (n) => successors.get(n) ?? []);
      const group = parents.filter((p) => !assigned.has(p) && reach.has(p));
      for (const p of group) owner.set(p, owner.has(p) ? -1 : index);
      groups.push(group);
      index++;
    }
    const exclusive = groups.map((g, i) => g.filter((p) => owner.get(p) === i)).filter((g) => g.length > 0);
    if (exclusive.length < 2) continue;
    for (const g of exclusive) for (const p of g) assigned.add(p);
    slots.push(exclusive);
  }
  for (const p of parents) if (!assigned.has(p)) slots.push([[p]]);
  return slots;
}
