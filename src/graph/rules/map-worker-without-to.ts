import type { DefinitionIssue } from "../../errors/errors.js";
import type { StepDefinition } from "../../model/step-definition.js";
import type { ResolvedTargets } from "../targets.js";

/** Rule: a map's worker has no `to` of its own (a worker's successors would never run). */
export function mapWorkerWithoutTo(
  definitions: readonly StepDefinition[],
  { resolved, successors }: Pick<ResolvedTargets, "resolved" | "successors">,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const definition of definitions) {
    const worker = resolved.get(definition.name)?.each;
    if (worker !== undefined && (successors.get(worker)?.length ?? 0) > 0) {
      issues.push({
        step: worker,
        message: `Step '${worker}' is the worker of map '${definition.name}' but has its own \`to\`, which a worker cannot follow. Remove \`to\` from '${worker}' and put the next step in the map's \`to\` (it runs once after every item), or use pipe.sub() for a sequence of steps per item.`,
      });
    }
  }
  return issues;
}
