import { DefinitionError, type DefinitionIssue } from "../errors/errors.js";
import type { NestedPipe } from "../model/nested-pipe.js";
import type { StepDefinition } from "../model/step-definition.js";

/**
 * How deep sub-pipelines may nest (the top pipe is level 1). Runs cost the same per level however
 * deep (a child's events go straight to the root run), but checking and drawing a definition walk
 * the levels recursively: at about 2,000 levels `validate()` overflows Node's default stack, and
 * `describe()` and `graph()` slow down sharply well before that (see bench/sub-depth.mjs). 1,000 levels
 * run, validate and hash within the default stack with room to spare; deeper is a
 * `DefinitionError` naming the sub step, never a stack overflow or a run that never settles.
 */
export const MAX_SUB_DEPTH = 1000;

let generation = 0;

/**
 * Counts changes to any pipe's steps. A pipe's nesting check is cached with the count it was made
 * at (see `nestedHeight`): a step registered anywhere (a sub step of a child, deep down) makes
 * every cached check stale, which keeps the cache correct without tracking who nests whom.
 */
export function stepsChanged(): void {
  generation++;
}

/** The current count of step changes (see {@link stepsChanged}). */
export function stepsGeneration(): number {
  return generation;
}

/** What checking the nested pipes found: the issues, and how many levels the pipe spans. */
export interface NestedCheck {
  readonly issues: DefinitionIssue[];
  /** Levels of pipes from the checked one down to its deepest sub-pipeline (1: no sub steps). */
  readonly height: number;
}

/**
 * Checks the pipes a pipe's sub steps run, nested in the pipes of `within` (the pipe itself and
 * the pipes it is nested in, outermost first): a pipe that contains itself is an issue (it would
 * nest forever), and each child's own issues are reported under the sub step that runs it.
 * `within` is the path being checked: each child is added while it is checked and removed after,
 * so a chain of N pipes costs O(N) (each child checks itself once, see `nestedHeight`).
 */
export function nestedPipeIssues(steps: Iterable<StepDefinition>, within: Set<NestedPipe>): NestedCheck {
  const issues: DefinitionIssue[] = [];
  let below = 0;
  for (const step of steps) {
    if (step.kind !== "sub" || step.pipeline === undefined) continue;
    if (within.size >= MAX_SUB_DEPTH) {
      issues.push({
        step: step.name,
        message: `Sub-pipeline step '${step.name}' nests pipe '${step.pipeline.name}' ${within.size + 1} levels deep; at most ${MAX_SUB_DEPTH} levels of pipes can nest (the top pipe is level 1): checking and drawing a definition walk the levels recursively. Flatten the nesting: put the steps of several levels in one pipe, or loop inside one pipe with a switch route or a \`routes\` jump.`,
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
    within.add(step.pipeline);
    try {
      below = Math.max(below, step.pipeline._checkWithin(within));
    } catch (error) {
      if (!(error instanceof DefinitionError)) throw error;
      for (const issue of error.issues) {
        issues.push({
          step: step.name,
          message: `In sub-pipeline '${step.pipeline.name}' of step '${step.name}': ${issue.message}`,
        });
      }
    } finally {
      within.delete(step.pipeline);
    }
  }
  return { issues, height: below + 1 };
}
