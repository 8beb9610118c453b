import { didYouMean } from "../../errors/did-you-mean.js";
import type { DefinitionIssue } from "../../errors/errors.js";
import type { Target } from "../../model/handler-types.js";

/** Rule: every target names a registered step. The issue for one `target` of `step` that does not. */
export function unknownTarget(
  step: string,
  option: string,
  target: Target,
  names: ReadonlySet<string>,
): DefinitionIssue {
  if (typeof target === "function") {
    return {
      step,
      message: `Step '${step}' has \`${option}\` pointing at function ${target.name || "(anonymous)"}, which is not registered on this pipe. Register it with pipe.step(...) first, or pass the step's name.`,
    };
  }
  const hint = didYouMean(String(target), names);
  return {
    step,
    message: `Step '${step}' has \`${option}\` pointing at unknown step '${String(target)}'.${hint || ` Available steps: ${[...names].sort().join(", ")}.`} Register '${String(target)}' with pipe.step() or fix the name.`,
  };
}
