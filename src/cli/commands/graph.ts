/** `justpipe graph <module>[#export]`: the pipe's Mermaid text. */
import type { CommandContext } from "../context.js";
import { loadPipe, parseModuleReference } from "../load-module.js";
import { writeJson, writeLines } from "../output.js";

/** Options of `graph`. */
export interface GraphCommandOptions {
  readonly json?: boolean;
}

/** Prints the Mermaid text of a module's pipe. */
export async function graphModule(
  _context: CommandContext,
  moduleText: string,
  options: GraphCommandOptions,
) {
  const pipe = await loadPipe(parseModuleReference(moduleText));
  const mermaid = pipe.graph();
  if (options.json) {
    const describe = pipe.describe();
    writeJson({ name: describe.name, hash: describe.hash, mermaid, describe });
    return;
  }
  writeLines(mermaid.trimEnd());
}
