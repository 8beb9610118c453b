/**
 * Loads a user's module and finds its `Pipe`: `<module>[#export]`, the default export unless an
 * export is named; TypeScript through tsx when the project has it installed.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Pipe } from "justpipe";
import { CommandError, UsageError } from "./errors.js";

/** A `Pipe` of any state and context. */
export type AnyPipe = Pipe<any, any>;

/** A module reference split into its file and export name. */
export interface ModuleReference {
  /** As the user wrote it (recorded in the run's labels). */
  readonly text: string;
  readonly path: string;
  readonly exportName: string | undefined;
  /** The absolute path with the export (`/app/pipes.ts#ingest`), as recorded for `resume`. */
  readonly absolute: string;
}

/** Splits `./pipes.ts#ingest` into the path and the export name. */
export function parseModuleReference(text: string): ModuleReference {
  const hash = text.lastIndexOf("#");
  if (hash <= 0) return { text, path: text, exportName: undefined, absolute: resolve(text) };
  const exportName = text.slice(hash + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new UsageError(`"${exportName}" in ${text} is not an export name`);
  }
  const path = text.slice(0, hash);
  return { text, path, exportName, absolute: `${resolve(path)}#${exportName}` };
}

/** Whether a value is a Pipe (by shape: a module may load its own copy of justpipe). */
export function isPipe(value: unknown): value is AnyPipe {
  const candidate = value as Record<string, unknown> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.run === "function" &&
    typeof candidate.graph === "function" &&
    typeof candidate.describe === "function" &&
    typeof candidate.step === "function"
  );
}

const TYPESCRIPT = new Set([".ts", ".mts", ".cts", ".tsx"]);

let tsxRegistered = false;

/**
 * The ES module entry of `tsx/esm/api` in the user's project (or next to this package), read from
 * tsx's own `exports` map: its CommonJS build cannot register the loader.
 */
function findTsxApi(): string | undefined {
  for (const base of [resolve("package.json"), fileURLToPath(import.meta.url)]) {
    try {
      const manifestPath = createRequire(base).resolve("tsx/package.json");
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as {
        exports?: Record<string, { import?: { default?: string } | string }>;
      };
      const entry = manifest.exports?.["./esm/api"];
      const target =
        typeof entry === "object" && typeof entry.import === "object" ? entry.import.default : undefined;
      if (target) return pathToFileURL(join(dirname(manifestPath), target)).href;
    } catch {
      // not installed there: try the next place
    }
  }
  return undefined;
}

/** Registers tsx's loader (once), so TypeScript modules can be imported. */
async function registerTsx(path: string): Promise<void> {
  if (tsxRegistered) return;
  const api = findTsxApi();
  if (api === undefined) {
    throw new CommandError(`${path} is TypeScript, and running it needs tsx: npm install --save-dev tsx`, {
      details: ["Or compile it to JavaScript first and give the .js file."],
    });
  }
  const { register } = (await import(api)) as { register(): unknown };
  register();
  tsxRegistered = true;
}

/** Imports the module and returns its Pipe (the default export, or the named one). */
export async function loadPipe(reference: ModuleReference): Promise<AnyPipe> {
  const file = resolve(reference.path);
  if (!existsSync(file)) throw new CommandError(`cannot find module ${reference.path} (looked at ${file})`);
  if (TYPESCRIPT.has(extname(file))) await registerTsx(reference.path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CommandError(`cannot load ${reference.path}: ${message.split("\n")[0]}`, { cause: error });
  }
  const pipes = Object.entries(module).filter(([, value]) => isPipe(value));
  const names = pipes.map(([name]) => name).filter((name) => name !== "default");
  if (reference.exportName !== undefined) {
    const value = module[reference.exportName];
    if (isPipe(value)) return value;
    throw new CommandError(
      value === undefined
        ? `${reference.path} has no export "${reference.exportName}"`
        : `export "${reference.exportName}" of ${reference.path} is not a Pipe`,
      { details: names.length > 0 ? [`Pipe exports: ${names.join(", ")}`] : [] },
    );
  }
  if (isPipe(module.default)) return module.default;
  if (pipes.length === 1) return pipes[0]![1] as AnyPipe;
  throw new CommandError(
    pipes.length === 0
      ? `${reference.path} exports no Pipe (export default your pipe, or name it: ${reference.path}#name)`
      : `${reference.path} has no default Pipe export; choose one: ${names.map((name) => `${reference.path}#${name}`).join(", ")}`,
  );
}
