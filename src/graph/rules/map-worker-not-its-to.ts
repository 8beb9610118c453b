import type { DefinitionIssue } from "../../errors/errors.js";
import type { StepDefinition } from "../../model/step-definition.js";
import type { ResolvedTargets } from "../targets.js";

/**
 * Rule: a map's worker is not also the map's `to` (it would run once per item, then once more,
 * after the last worker, with no item).
 */
export function mapWorkerNotItsTo(
  definitions: readonly StepDefinition[],
  { resolved, successors }: Pick<ResolvedTargets, "resolved" | "successors">,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const definition of definitions) {
    const worker = resolved.get(definition.name)?.each;
    if (worker !== undefined && successors.get(definition.name)?.includes(worker)) {
      issues.push({
        step: definition.name,
        message: `Map '${definition.name}' has '${worker}' as both its \`each\` worker and its \`to\`: '${worker}' would run once per item, then once more with no item. Point \`to\` at the step that uses every item's result (it runs once, after the last worker).`,
      });
    }
  }
  return issues;
}
