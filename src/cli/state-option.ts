/** `--state '<json>'` / `--state @file.json` (and `--input`, likewise). */
import { readFileSync } from "node:fs";
import { CommandError, parseJsonOption } from "./errors.js";

/** Reads a JSON option: inline text, or `@path` for a file. `undefined` stays undefined. */
export function readJsonOption(option: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  if (!text.startsWith("@")) return parseJsonOption(option, text);
  const path = text.slice(1);
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch (error) {
    throw new CommandError(
      `${option}: cannot read ${path} (${(error as { code?: string }).code ?? String(error)})`,
    );
  }
  return parseJsonOption(option, content, path);
}
