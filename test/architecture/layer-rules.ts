// The layer order of src/ and the checker the architecture test runs over it (and over fixtures,
// to show it fails). A folder may import only folders of lower layers (type imports and
// re-exports counted); the extras at the top may import each other, but never in a circle.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The layers of src/, lowest first. A folder may import folders of lower layers only; the folders
 * of one layer may not import each other, except in the extras' layer (no circle allowed there).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ["errors"], // error classes, the message template, "did you mean"
  ["events"], // the event union, PipelineEndData, failure classification
  ["model"], // control values, step definitions, handler and option types and their checks
  ["graph"], // pure analysis: targets, validation rules, joins, cycles, the execution plan
  ["store"], // the Store interface, MemoryStore, codec (runtime writes to it)
  ["runtime"], // the only concurrent code: the scheduler and what it runs
  ["visualization"], // pure drawing of a plan (Pipe.graph(), describe(), hash() call it)
  ["definition"], // the Pipe façade
  ["testing"], // TestPipe, StepMock, SimulatedClock: "justpipe/testing"
  ["observers", "inspect", "http", "otel", "sqlite", "postgres", "bullmq"], // extras over the public API
  ["dashboard"],
  ["cli"],
];

/** The layer whose folders may import each other (without a circle). */
const EXTRAS = LAYERS.findIndex((layer) => layer.includes("observers"));
const ROOT = "(root)";

/** What the checker reports: one line per problem, saying how to fix it. */
export function layerProblems(sourceRoot: string): string[] {
  const rankOf = new Map<string, number>();
  LAYERS.forEach((layer, rank) => {
    for (const folder of layer) rankOf.set(folder, rank);
  });
  const problems: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const entry of readdirSync(sourceRoot, { withFileTypes: true })) {
    if (entry.isDirectory() && !rankOf.has(entry.name)) {
      problems.push(
        `src/${entry.name}/ is not in the layer order: add the folder to LAYERS in test/architecture/layer-rules.ts (and to the map in CONTRIBUTING.md)`,
      );
    }
  }
  for (const file of sourceFiles(sourceRoot)) {
    const relative = path.relative(sourceRoot, file);
    const from = folderOf(relative);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(INLINE_IMPORT_TYPE)) {
      problems.push(
        `${relative}: inline import type \`import("${match[1]}")\`: import the type at the top of the file with \`import type\``,
      );
    }
    for (const specifier of importsOf(text)) {
      const target = path.relative(sourceRoot, path.resolve(path.dirname(file), specifier));
      const to = folderOf(target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      if (from === ROOT) continue; // the entry points may import every layer
      const fromRank = rankOf.get(from);
      if (fromRank === undefined) continue; // reported above
      if (to === ROOT) {
        if (fromRank < EXTRAS)
          problems.push(
            `${relative} imports the root entry (${target}): core layers import the file that holds the name`,
          );
        continue;
      }
      const toRank = rankOf.get(to);
      if (toRank === undefined) continue;
      if (toRank > fromRank || (toRank === fromRank && fromRank !== EXTRAS)) {
        problems.push(
          `${relative} imports ${target}: layer '${from}' may not import '${to}' (${to} is ${toRank === fromRank ? "beside" : "above"} it in the layer order); move the shared code down to the lower layer`,
        );
      }
    }
  }
  for (const cycle of folderCycles(edges)) problems.push(`folder cycle: ${cycle.join(" -> ")}`);
  return problems;
}

/** `import("./x")` used as a type (not a dynamic `await import()`). */
const INLINE_IMPORT_TYPE = /(?<!await\s)\bimport\(\s*["'](\.[^"']+)["']\s*\)/g;
/** Static imports and re-exports (type-only ones included), and dynamic imports. */
const IMPORT = /(?:import|export)\s[^"';]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)/g;

function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((match) => (match[1] ?? match[2])!.replace(/\.js$/, ".ts"));
}

function folderOf(relative: string): string {
  const parts = relative.split(path.sep);
  return parts.length > 1 ? parts[0]! : ROOT;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort(byName)) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (/\.(ts|mts|tsx)$/.test(entry.name) && !/\.(test|spec)\.|\.d\.ts$/.test(entry.name))
      files.push(full);
  }
  return files;
}

/** Each circle of folders importing each other, as a path that starts and ends at one folder. */
function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const visit = (folder: string, trail: string[]): void => {
    const at = trail.indexOf(folder);
    if (at >= 0) {
      cycles.push([...trail.slice(at), folder]);
      return;
    }
    if (done.has(folder)) return;
    for (const next of edges.get(folder) ?? []) visit(next, [...trail, folder]);
    done.add(folder);
  };
  for (const folder of [...edges.keys()].sort()) visit(folder, []);
  return cycles;
}
