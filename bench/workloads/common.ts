// Shared vocabulary of the benchmark: what every library implements, what a child reports.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const LIBS = ["plain", "justpipe", "mastra", "llamaindex", "langgraph"] as const;
export type Lib = (typeof LIBS)[number];

export const WORKLOADS = ["W1", "W2", "W3", "W4", "import", "W5"] as const;
export type Workload = (typeof WORKLOADS)[number];

/** Called by a streaming workload for each token that reaches the consumer. */
export type OnToken = (token: unknown) => void;

/**
 * One library's implementation of the workloads. Each factory builds (and compiles, where the
 * library has such a step) its graph once, outside the timed region, and returns a function that
 * performs one complete run and throws if the run did not do all its work.
 */
export interface Impl {
  /** W1: a linear chain of `steps` trivial async steps. */
  chain(steps: number): Promise<() => Promise<void>>;
  /** W2: start -> `branches` parallel trivial steps -> join. */
  fanout(branches: number): Promise<() => Promise<void>>;
  /** W3: map a trivial async worker over `items` (all at once), then one join step. */
  map(items: readonly number[]): Promise<() => Promise<void>>;
  /** W4: one step streams `tokens` tokens; the consumer sees each one through `onToken`. */
  stream(): Promise<(tokens: number, onToken: OnToken) => Promise<void>>;
  /** W5: a map fed lazily by an async generator, at most `concurrency` workers at a time. */
  mapStream?(
    source: () => AsyncIterable<number>,
    total: number,
    concurrency: number,
  ): Promise<() => Promise<void>>;
}

/** What one child process prints (after RESULT_MARKER) when its workload succeeded. */
export interface ChildResult {
  lib: Lib;
  workload: Workload;
  size: number;
  /** Wall time of the timed region, ms. */
  timeMs: number;
  /** Peak resident set size of the whole child process, MB (1 MB = 2^20 bytes). */
  peakRssMB: number;
  usPerStep?: number;
  usPerRun?: number;
  tokensPerSec?: number;
  ttftMs?: number;
  importMs?: number;
}

export const RESULT_MARKER = "@@BENCH_RESULT ";

export function assertCount(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected}, got ${actual}`);
}

/** Absolute file URL of the built library (`dist/index.js` of the repository that holds bench/). */
export function justpipeEntry(): string {
  const fromEnv = process.env["JUSTPIPE_ENTRY"];
  if (fromEnv) return fromEnv;
  // Walk up from this file (source or compiled copy) to the package.json named "justpipe".
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "justpipe") {
      return pathToFileURL(join(dir, "dist", "index.js")).href;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the justpipe package root above " + import.meta.url);
    dir = parent;
  }
}
