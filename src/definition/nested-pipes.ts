import { DefinitionError, type DefinitionIssue } from "../errors/errors.js";
import type { NestedPipe } from "../model/nested-pipe.js";
import type { StepDefinition } from "../model/step-definition.js";

/**
 * How deep sub-pipelines may nest (the top pipe is level 1). Every level forwards the events of the
 * levels below it, and V8's promise machinery fails beyond a few hundred levels: deeper nesting is
 * a `DefinitionError`, not a run that never settles.
 */
const MAX_SUB_DEPTH = 100;

/**
 * Checks the pipes a pipe's sub steps run, nested in the pipes of `within` (the pipe itself and
 * the pipes it is nested in): a pipe that contains itself is an issue (it would nest forever),
 * and each child's own issues are reported under the sub step that runs it.
 */
export function nestedPipeIssues(
  steps: Iterable<StepDefinition>,
  within: ReadonlySet<NestedPipe>,
): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  for (const step of steps) {
    if (step.kind !== "sub" || step.pipeline === undefined) continue;
    if (within.size >= MAX_SUB_DEPTH) {
      issues.push({
        step: step.name,
        message: `Sub-pipeline step '${step.name}' nests pipe '${step.pipeline.name}' ${within.size + 1} levels deep; at most ${MAX_SUB_DEPTH} levels of sub-pipelines can run (each level forwards every event of the levels below it). Flatten the nesting: put the steps of several levels in one pipe.`,
      });
      continue;
    }
    if (within.has(step.pipeline)) {
      issues.push({
        step: step.name,
        message: `Sub-pipeline step '${step.name}' runs pipe '${step.pipeline.name}', which already contains this one: the pipes would nest forever. To repeat steps, loop inside one pipe with a switch route or a \`routes\` jump; to nest, use a pipe that does not contain this one.`,
      });
      continue;
    }
    try {
      step.pipeline._checkWithin(new Set(within).add(step.pipeline));
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      for (const issue of error.issues) {
        issues.push({
          step: step.name,
          message: `In sub-pipeline '${step.pipeline.name}' of step '${step.name}': ${issue.message}`,
        });
      }
    }
  }
  return issues;
}
