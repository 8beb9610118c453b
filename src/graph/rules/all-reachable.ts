import type { DefinitionIssue } from "../../errors/errors.js";
import type { StepDefinition } from "../../model/step-definition.js";
import { type Edges, reachable } from "../algorithms.js";

/** Rule (strict): every step can be reached from a root, along any kind of edge. */
export function allReachable(
  definitions: readonly StepDefinition[],
  roots: readonly string[],
  edges: Edges,
): DefinitionIssue[] {
  const reached = reachable(roots, edges);
  const unreachable = definitions
    .filter((definition) => !reached.has(definition.name))
    .map((definition) => definition.name);
  if (unreachable.length === 0 || roots.length === 0) return [];
  return [
    {
      step: unreachable[0]!,
      message: `Steps not reachable from any root: ${unreachable.join(", ")}. Connect them with \`to\`, a switch route or \`routes\`, or remove them.`,
    },
  ];
}
