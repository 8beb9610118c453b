// One measurement in a fresh process: `node child.js <lib> <workload> <size> <warmup>`.
// Prints one line `RESULT_MARKER + JSON(ChildResult)` on stdout and exits 0, or exits 1 with the
// error on stderr. Imports nothing but node builtins before the workload, so `import` is cold.
import {
  type ChildResult,
  type Impl,
  justpipeEntry,
  type Lib,
  RESULT_MARKER,
  type Workload,
} from "./workloads/common.js";

const [lib, workload, sizeArg, warmupArg] = process.argv.slice(2) as [Lib, Workload, string, string];
const size = Number(sizeArg);
const warmup = Number(warmupArg ?? 0);

/** W1 steps per run, W2 branches per run, W5 concurrency. */
const CHAIN_STEPS = 10;
const BRANCHES = 8;
const W5_CONCURRENCY = 64;

/** What a user of each library imports first. */
const ENTRY: Record<Lib, (() => string) | null> = {
  plain: null,
  justpipe: justpipeEntry,
  mastra: () => "@mastra/core/workflows",
  llamaindex: () => "@llamaindex/workflow-core",
  langgraph: () => "@langchain/langgraph",
};

let sampledPeak = process.memoryUsage.rss();
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 5);
sampler.unref();

const now = () => process.hrtime.bigint();
const msSince = (start: bigint) => Number(now() - start) / 1e6;

function peakRssMB(): number {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
  const maxRss = process.resourceUsage().maxRSS * 1024; // kilobytes on Linux
  return Math.max(sampledPeak, maxRss) / 2 ** 20;
}

async function loadImpl(): Promise<Impl> {
  return (await import(`./workloads/${lib}.js`)).impl as Impl;
}

async function timeRuns(run: () => Promise<void>, runs: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const start = now();
  for (let i = 0; i < runs; i++) await run();
  return msSince(start);
}

async function measure(): Promise<Omit<ChildResult, "lib" | "workload" | "size" | "peakRssMB">> {
  switch (workload) {
    case "import": {
      const entry = ENTRY[lib];
      const start = now();
      if (entry) await import(entry());
      const importMs = entry ? msSince(start) : 0;
      return { timeMs: importMs, importMs };
    }
    case "W1": {
      const run = await (await loadImpl()).chain(CHAIN_STEPS);
      const timeMs = await timeRuns(run, size);
      return { timeMs, usPerStep: (timeMs * 1000) / (size * CHAIN_STEPS) };
    }
    case "W2": {
      const run = await (await loadImpl()).fanout(BRANCHES);
      const timeMs = await timeRuns(run, size);
      return { timeMs, usPerRun: (timeMs * 1000) / size };
    }
    case "W3": {
      const items = Array.from({ length: size }, (_, i) => i);
      const run = await (await loadImpl()).map(items);
      const start = now();
      await run();
      return { timeMs: msSince(start) };
    }
    case "W4": {
      const run = await (await loadImpl()).stream();
      let count = 0;
      let first = 0n;
      const onToken = () => {
        if (count++ === 0) first = now();
      };
      // Warm-up run (JIT, lazy module init), then the measured one.
      await run(Math.min(size, 1000), onToken);
      count = 0;
      const start = now();
      await run(size, onToken);
      const timeMs = msSince(start);
      if (count !== size) throw new Error(`tokens: expected ${size}, got ${count}`);
      return { timeMs, tokensPerSec: size / (timeMs / 1000), ttftMs: Number(first - start) / 1e6 };
    }
    case "W5": {
      const impl = await loadImpl();
      if (!impl.mapStream) throw new Error(`${lib} does not implement W5`);
      async function* source() {
        for (let i = 0; i < size; i++) yield i;
      }
      const run = await impl.mapStream(source, size, W5_CONCURRENCY);
      const start = now();
      await run();
      return { timeMs: msSince(start) };
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

try {
  const measured = await measure();
  const result: ChildResult = { lib, workload, size, ...measured, peakRssMB: peakRssMB() };
  process.stdout.write(RESULT_MARKER + JSON.stringify(result) + "\n", () => process.exit(0));
} catch (error) {
  process.stderr.write(
    (error instanceof Error ? (error.stack ?? error.message) : String(error)).replace(/^Error: /, "") + "\n",
    () => process.exit(1),
  );
}
