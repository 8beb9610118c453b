import type { DefinitionIssue } from "../../errors/errors.js";
import { type Edges, reachable } from "../algorithms.js";
import type { PlanNode } from "../plan.js";

/**
 * Rule: an `all` join is not fed both by parents that loop back to it and by parents that do not.
 * Such a join can never gather a full wave: the first pass waits for the loop, later passes for
 * the others. `entries` are where runs start (the roots, or `start`): a join whose first wave
 * gathers from there may be re-entered by a returned jump.
 */
export function joinNotSplitByLoop(
  nodes: ReadonlyMap<string, PlanNode>,
  edges: Edges,
  entries: readonly string[],
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const [name, node] of nodes) {
    const join = node.join;
    if (join === null || join.type !== "all") continue;
    // A loop that re-enters a parent (a returned jump back into a branch) is fine when the join's
    // first wave can gather: every slot has an alternative reached without passing through the join.
    const before = reachable(
      entries.filter((entry) => entry !== name),
      (step) => edges(step).filter((next) => next !== name),
    );
    if (join.slots.every((slot) => slot.some((alternative) => alternative.every((p) => before.has(p))))) {
      continue;
    }
    const downstream = reachable(edges(name), edges);
    const looping: string[] = [];
    let external: string[] = [];
    for (const slot of join.slots) {
      const inLoop = slot.map((alternative) => alternative.some((parent) => downstream.has(parent)));
      if (inLoop.every(Boolean)) looping.push(...slot.flat().filter((parent) => downstream.has(parent)));
      else if (!inLoop.some(Boolean)) external = [...external, ...slot.flat()];
    }
    if (looping.length === 0 || external.length === 0) continue;
    const loop = [...new Set(looping)].sort();
    const outside = [...new Set(external)].sort().map((parent) => `'${parent}'`);
    issues.push({
      step: name,
      message: `Step '${name}' waits for all of [${[...join.parents].sort().join(", ")}], but ${loop.map((parent) => `'${parent}'`).join(", ")} only run${loop.length === 1 ? "s" : ""} after '${name}' itself (a loop back into the join) while ${outside.join(", ")} do${external.length === 1 ? "es" : ""} not, so '${name}' can never gather all its parents. Loop back with a returned jump (return '${name}' and declare it in \`routes\`) instead of a \`to\` edge, or set barrierType: 'any' on '${name}'.`,
    });
  }
  return issues;
}
