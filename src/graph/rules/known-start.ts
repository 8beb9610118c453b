import { didYouMean } from "../../errors/did-you-mean.js";
import type { DefinitionIssue } from "../../errors/errors.js";

/** Rule: `run({ start })` names a registered step. */
export function knownStart(start: string | undefined, names: ReadonlySet<string>): DefinitionIssue[] {
  if (start === undefined || names.has(start)) return [];
  return [
    {
      step: start,
      message: `run({ start }) names unknown step '${start}'.${didYouMean(start, names) || ` Available steps: ${[...names].sort().join(", ")}.`} Pass a registered step's name or handler.`,
    },
  ];
}
