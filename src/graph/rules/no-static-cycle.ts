import type { DefinitionIssue } from "../../errors/errors.js";
import type { StepDefinition } from "../../model/step-definition.js";
import { findStaticCycles } from "../algorithms.js";

/** Rule: `to` edges form no cycle (a loop must pass through a switch route or a declared jump). */
export function noStaticCycle(
  definitions: readonly StepDefinition[],
  successors: ReadonlyMap<string, readonly string[]>,
): DefinitionIssue[] {
  return findStaticCycles(definitions, successors).map((cycle) => ({
    step: cycle[0]!,
    message: `Steps form a cycle of static \`to\` edges: ${cycle.join(" -> ")}. A loop must pass through a switch route or a returned jump (declare it with \`routes\`); remove one of these \`to\` edges.`,
  }));
}
