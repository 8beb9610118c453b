import type { DefinitionIssue } from "../../errors/errors.js";

/** Rule (strict): one root, unless the Pipe sets `allowMultiRoot`. */
export function singleRoot(roots: readonly string[], allowMultiRoot: boolean): DefinitionIssue[] {
  if (roots.length <= 1 || allowMultiRoot) return [];
  return [
    {
      step: roots[1]!,
      message: `The pipeline has ${roots.length} root steps (${roots.join(", ")}), which would all start at once. Connect them with \`to\`, declare the steps a step jumps to with its \`routes\` option, pass run(state, { start }), or set allowMultiRoot: true on the Pipe.`,
    },
  ];
}
