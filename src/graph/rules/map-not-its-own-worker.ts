import type { DefinitionIssue } from "../../errors/errors.js";
import type { StepDefinition } from "../../model/step-definition.js";
import type { ResolvedTargets } from "../targets.js";

/**
 * Rule: a map is not its own worker, directly (`each` names itself) or through other maps that are
 * each other's workers: every item would start the map again, without end.
 */
export function mapNotItsOwnWorker(
  definitions: readonly StepDefinition[],
  { resolved }: Pick<ResolvedTargets, "resolved">,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const reported = new Set<string>();
  for (const definition of definitions) {
    if (reported.has(definition.name)) continue;
    const chain: string[] = [];
    let current: string | undefined = definition.name;
    while (current !== undefined && !chain.includes(current)) {
      chain.push(current);
      current = resolved.get(current)?.each;
    }
    if (current !== definition.name) continue;
    for (const map of chain) reported.add(map);
    issues.push({
      step: definition.name,
      message:
        chain.length === 1
          ? `Map '${definition.name}' names itself as its worker (\`each: '${definition.name}'\`): every item would start the map again, without end. Point \`each\` at the step that handles one item.`
          : `Maps ${chain.map((map) => `'${map}'`).join(", ")} are each other's workers (${[...chain, definition.name].join(" -> ")}): every item would start the next map again, without end. Point \`each\` at a step that handles one item.`,
    });
  }
  return issues;
}
