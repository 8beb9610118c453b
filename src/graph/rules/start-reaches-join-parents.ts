import type { DefinitionIssue } from "../../errors/errors.js";
import { type Edges, reachable } from "../algorithms.js";
import type { PlanNode } from "../plan.js";

/** Rule (strict): from `run({ start })`, every `all` join reached can gather all its parents. */
export function startReachesJoinParents(
  start: string,
  nodes: ReadonlyMap<string, PlanNode>,
  edges: Edges,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const reached = reachable([start], edges);
  for (const name of reached) {
    const join = nodes.get(name)!.join;
    if (join?.type !== "all") continue;
    const missing = join.slots.filter(
      (slot) => !slot.some((alternative) => alternative.every((p) => reached.has(p))),
    );
    if (missing.length === 0) continue;
    const parentsMissing = [...new Set(missing.flat(2).filter((parent) => !reached.has(parent)))].sort();
    issues.push({
      step: name,
      message: `Step '${name}' waits for all of [${[...join.parents].sort().join(", ")}], but run({ start: '${start}' }) cannot reach ${parentsMissing.join(", ")}, so it would never run. Start from a step upstream of every parent, or set barrierType: 'any' on '${name}'.`,
    });
  }
  return issues;
}
