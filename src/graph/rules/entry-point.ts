import type { DefinitionIssue } from "../../errors/errors.js";

/** Rule: a pipe with steps and no `start` has a root (a step nothing leads to) to begin with. */
export function entryPoint(roots: readonly string[]): DefinitionIssue[] {
  if (roots.length > 0) return [];
  return [
    {
      step: "system",
      message:
        "The pipeline has no entry point: every step is the target of another. Remove one `to` edge so a step starts the run, or pass run(state, { start }).",
    },
  ];
}
