// The benchmark runner: compiles the workloads to plain JS, runs every (library, workload, repetition)
// in a fresh `node` process with a hard time cap, and prints one markdown table of medians.
//
//   npm run bench                      # from the repository root (see bootstrap.mjs)
//   npm run bench -- --quick           # every workload once, at reduced sizes
//   npm run bench -- --only W1,W4 --lib justpipe,plain --reps 5 --cap 120
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import {
  type ChildResult,
  justpipeEntry,
  LIBS,
  type Lib,
  RESULT_MARKER,
  WORKLOADS,
  type Workload,
} from "./workloads/common.js";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(BENCH_DIR, "results");
const BUILD_DIR = join(RESULTS_DIR, ".build");

const PEERS: readonly Lib[] = ["mastra", "llamaindex", "langgraph"];
/** W5 is a justpipe-only workload (with the baseline as the floor). */
const W5_LIBS: readonly Lib[] = ["plain", "justpipe"];

/** Workload sizes: W1/W2 runs, W3/W5 items, W4 tokens; `import` has no size. */
const SIZES: Record<"full" | "quick", Record<Workload, number>> = {
  full: { W1: 2_000, W2: 2_000, W3: 100_000, W4: 100_000, import: 1, W5: 1_000_000 },
  quick: { W1: 200, W2: 200, W3: 10_000, W4: 10_000, import: 1, W5: 100_000 },
};
/** Warm-up runs before the timed W1/W2 runs. */
const WARMUP = { full: 300, quick: 50 };

/** Peers too slow at full size run smaller, with a footnote under the table (why: see README). */
const REDUCED: Record<"full" | "quick", Partial<Record<Lib, Partial<Record<Workload, number>>>>> = {
  full: { langgraph: { W3: 2_000 }, llamaindex: { W4: 10_000 } },
  quick: { langgraph: { W3: 500 }, llamaindex: { W4: 1_000 } },
};
const REDUCED_WHY: Partial<Record<Lib, Partial<Record<Workload, string>>>> = {
  langgraph: { W3: "its time grows quadratically with the number of `Send`s" },
  llamaindex: { W4: "every token event stays in the run's queue, which is rescanned on each send" },
};

const LABEL: Record<Lib, string> = {
  plain: "plain",
  justpipe: "justpipe",
  mastra: "Mastra",
  llamaindex: "LlamaIndex",
  langgraph: "LangGraph",
};

const PACKAGES: Partial<Record<Lib, string>> = {
  mastra: "@mastra/core",
  llamaindex: "@llamaindex/workflow-core",
  langgraph: "@langchain/langgraph",
};

// --- options -------------------------------------------------------------------------------------

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    lib: { type: "string" },
    reps: { type: "string" },
    cap: { type: "string" },
    out: { type: "string" },
    "no-nice": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (opts.help) {
  console.log(`usage: npm run bench -- [--quick] [--only W1,W2,W3,W4,import,W5] [--lib ${LIBS.join(",")}]
                        [--reps N] [--cap SECONDS] [--out FILE]
  --quick   every workload once (unless --reps), at reduced sizes
  --only    run only these workloads            --lib   run only these libraries
  --reps    fresh processes per cell (default 3, quick 1); the table shows medians
  --cap     hard time limit per process in seconds (default 90); slower runs show as "> cap"
  --out     results JSON (default bench/results/latest.json)
  --no-nice do not raise the children's CPU priority (by default, as root: nice -n -10)`);
  process.exit(0);
}

function pickList<T extends string>(raw: string | undefined, all: readonly T[], what: string): T[] {
  if (!raw) return [...all];
  const wanted = raw.split(",").map((s) => s.trim().toLowerCase());
  for (const w of wanted) {
    if (!all.some((a) => a.toLowerCase() === w)) {
      throw new Error(`unknown ${what} "${w}"; choose from ${all.join(", ")}`);
    }
  }
  return all.filter((a) => wanted.includes(a.toLowerCase()));
}

const mode = opts.quick ? "quick" : "full";
const workloads = pickList(opts.only, WORKLOADS, "workload");
const libs = pickList(opts.lib, LIBS, "library");
function positive(raw: string | undefined, fallback: number, what: string): number {
  const n = raw === undefined ? fallback : Number(raw);
  if (!(n > 0)) throw new Error(`${what} must be a positive number, got "${raw}"`);
  return n;
}

const reps = Math.ceil(positive(opts.reps, opts.quick ? 1 : 3, "--reps"));
const capSeconds = positive(opts.cap, 90, "--cap");
const outFile = opts.out ?? join(RESULTS_DIR, "latest.json");
// As root, children run at a higher CPU priority so that other work on the machine disturbs them less.
const nice = !opts["no-nice"] && process.getuid?.() === 0 && existsSync("/usr/bin/nice");

// --- compile -------------------------------------------------------------------------------------

/**
 * A private copy of the built library, so that a rebuild of dist/ while the benchmark runs (the
 * library is zero-dependency, so its dist/ works from anywhere) cannot mix two versions in one table.
 */
function snapshotJustpipe(): string {
  const dist = dirname(fileURLToPath(justpipeEntry()));
  const copy = join(BUILD_DIR, "justpipe-dist");
  rmSync(copy, { recursive: true, force: true });
  if (existsSync(dist)) cpSync(dist, copy, { recursive: true });
  return pathToFileURL(join(copy, "index.js")).href;
}

/** TypeScript -> ESM JavaScript, file by file, so children run on plain `node` with no loader hooks. */
async function compile(): Promise<string> {
  const workloadFiles = readdirSync(join(BENCH_DIR, "workloads"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(BENCH_DIR, "workloads", f));
  await build({
    entryPoints: [join(BENCH_DIR, "child.ts"), ...workloadFiles],
    outdir: BUILD_DIR,
    outbase: BENCH_DIR,
    format: "esm",
    platform: "node",
    target: "node20",
    bundle: false,
    logLevel: "warning",
  });
  return join(BUILD_DIR, "child.js");
}

// --- one child -----------------------------------------------------------------------------------

type Outcome =
  | { status: "ok"; result: ChildResult; wallMs: number }
  | { status: "timeout"; wallMs: number }
  | { status: "error"; message: string; wallMs: number };

function runChild(childJs: string, lib: Lib, workload: Workload, size: number): Promise<Outcome> {
  const warmup = workload === "W1" || workload === "W2" ? Math.min(WARMUP[mode], size) : 0;
  const started = Date.now();
  return new Promise((resolve) => {
    const argv = [process.execPath, childJs, lib, workload, String(size), String(warmup)];
    if (nice) argv.unshift("/usr/bin/nice", "-n", "-10");
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: BENCH_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        JUSTPIPE_ENTRY: justpipeSnapshot,
        // No telemetry or tracing calls from the peers (there is no network anyway).
        MASTRA_TELEMETRY_DISABLED: "1",
        LANGSMITH_TRACING: "false",
        LANGCHAIN_TRACING_V2: "false",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout = (stdout + chunk).slice(-65_536);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (stderr.length < 65_536) stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, capSeconds * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const wallMs = Date.now() - started;
      if (timedOut) return resolve({ status: "timeout", wallMs });
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_MARKER));
      if (code === 0 && line) {
        return resolve({ status: "ok", result: JSON.parse(line.slice(RESULT_MARKER.length)), wallMs });
      }
      resolve({ status: "error", message: firstLine(stderr) || `exit ${code ?? signal}`, wallMs });
    });
  });
}

/** The first meaningful line of a child's stderr (skipping node's own warnings). */
function firstLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim());
  const useful = lines.filter((l) => l && !/^\(node:\d+\)|^\(Use `node --trace/.test(l));
  return (useful[0] ?? lines.find(Boolean) ?? "").replace(/^\w*Error( \[\w+\])?: /, "").slice(0, 300);
}

// --- the plan --------------------------------------------------------------------------------------

interface Cell {
  lib: Lib;
  workload: Workload;
  size: number;
  reduced: boolean;
  status: "ok" | "timeout" | "error" | "skipped";
  /** The runs that finished; `timeouts` more were killed at the cap. */
  runs: ChildResult[];
  timeouts: number;
  median?: ChildResult;
  error?: string;
  /** 1-minute load average of the machine when each process started. */
  load: number[];
}

function sizeFor(lib: Lib, workload: Workload): { size: number; reduced: boolean } {
  const reduced = REDUCED[mode][lib]?.[workload];
  return reduced === undefined
    ? { size: SIZES[mode][workload], reduced: false }
    : { size: reduced, reduced: true };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median of every measured number over the runs, where `killed` more runs (past the cap) count as
 * worse than all of them: slowest for times, lowest for rates.
 */
function medianResult(runs: ChildResult[], killed: number): ChildResult {
  const first = runs[0]!;
  const out: any = { lib: first.lib, workload: first.workload, size: first.size };
  for (const key of Object.keys(first) as (keyof ChildResult)[]) {
    if (typeof first[key] !== "number" || key === "size") continue;
    const worst = key === "tokensPerSec" ? 0 : Number.POSITIVE_INFINITY;
    out[key] = median([...runs.map((r) => r[key] as number), ...Array<number>(killed).fill(worst)]);
  }
  return out;
}

async function runCell(childJs: string, lib: Lib, workload: Workload): Promise<Cell> {
  const { size, reduced } = sizeFor(lib, workload);
  const cell: Cell = { lib, workload, size, reduced, status: "ok", runs: [], timeouts: 0, load: [] };
  for (let rep = 1; rep <= reps; rep++) {
    cell.load.push(loadavg()[0]!);
    const outcome = await runChild(childJs, lib, workload, size);
    const tag = `${workload.padEnd(6)} ${lib.padEnd(10)} ${rep}/${reps}`;
    if (outcome.status === "ok") {
      cell.runs.push(outcome.result);
      console.error(`${tag}  ${summary(outcome.result)}  (process ${fmtMs(outcome.wallMs)})`);
      continue;
    }
    if (outcome.status === "timeout") {
      cell.timeouts++;
      console.error(`${tag}  > ${capSeconds} s, killed`);
      // Past the cap on the first try: the next tries would be too, so don't spend the time.
      if (cell.runs.length === 0) break;
      continue;
    }
    cell.status = "error";
    cell.error = outcome.message;
    console.error(`${tag}  ${outcome.message}`);
    break;
  }
  if (cell.status === "error") return cell;
  // A killed run counts as slower than every finished one: the median is "> cap" when most were killed.
  if (cell.timeouts >= cell.runs.length) cell.status = "timeout";
  else cell.median = medianResult(cell.runs, cell.timeouts);
  return cell;
}

// --- formatting --------------------------------------------------------------------------------------

function fmtMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtNum(n: number): string {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function fmtRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)}M/s`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(perSec >= 1e5 ? 0 : 1)}k/s`;
  return `${perSec.toFixed(0)}/s`;
}

function fmtMB(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(2)} GB` : `${mb.toFixed(0)} MB`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

function fmtSize(n: number): string {
  return n.toLocaleString("en-US");
}

function summary(r: ChildResult): string {
  switch (r.workload) {
    case "W1":
      return `${fmtNum(r.usPerStep!)} µs/step`;
    case "W2":
      return `${fmtNum(r.usPerRun!)} µs/run`;
    case "W4":
      return `${fmtRate(r.tokensPerSec!)}, TTFT ${fmtMs(r.ttftMs!)}`;
    case "import":
      return fmtMs(r.importMs!);
    default:
      return `${fmtMs(r.timeMs)}, peak RSS ${fmtMB(r.peakRssMB)}`;
  }
}

interface Metric {
  workload: Workload;
  label: (s: Record<Workload, number>) => string;
  value: (r: ChildResult) => number;
  format: (v: number) => string;
  lowerIsBetter: boolean;
  /** A per-item or per-run rate stays comparable when a peer runs at a reduced size. */
  sizeIndependent: boolean;
  /** The metric is the run's own duration, so a run killed at the cap shows as "> cap". */
  isRunTime?: boolean;
}

const METRICS: Metric[] = [
  {
    workload: "W1",
    label: (s) => `W1 chain of 10 steps ×${fmtSize(s.W1)}: µs/step`,
    value: (r) => r.usPerStep!,
    format: fmtNum,
    lowerIsBetter: true,
    sizeIndependent: true,
  },
  {
    workload: "W2",
    label: (s) => `W2 fan-out 8 + join ×${fmtSize(s.W2)}: µs/run`,
    value: (r) => r.usPerRun!,
    format: fmtNum,
    lowerIsBetter: true,
    sizeIndependent: true,
  },
  {
    workload: "W3",
    label: (s) => `W3 map ${fmtSize(s.W3)} items: time`,
    value: (r) => r.timeMs,
    format: fmtMs,
    lowerIsBetter: true,
    sizeIndependent: false,
    isRunTime: true,
  },
  {
    workload: "W3",
    label: () => "W3 map: peak RSS",
    value: (r) => r.peakRssMB,
    format: fmtMB,
    lowerIsBetter: true,
    sizeIndependent: false,
  },
  {
    workload: "W4",
    label: (s) => `W4 stream ${fmtSize(s.W4)} tokens: tokens/s`,
    value: (r) => r.tokensPerSec!,
    format: fmtRate,
    lowerIsBetter: false,
    sizeIndependent: true,
  },
  {
    workload: "W4",
    label: () => "W4 warm time to first token",
    value: (r) => r.ttftMs!,
    format: fmtMs,
    lowerIsBetter: true,
    sizeIndependent: false,
  },
  {
    workload: "import",
    label: () => "cold `import` of the package",
    value: (r) => r.importMs!,
    format: fmtMs,
    lowerIsBetter: true,
    sizeIndependent: true,
  },
  {
    workload: "W5",
    label: (s) => `W5 map ${fmtSize(s.W5)} items from an async generator, maxConcurrency 64: time`,
    value: (r) => r.timeMs,
    format: fmtMs,
    lowerIsBetter: true,
    sizeIndependent: false,
    isRunTime: true,
  },
  {
    workload: "W5",
    label: () => "W5: peak RSS",
    value: (r) => r.peakRssMB,
    format: fmtMB,
    lowerIsBetter: true,
    sizeIndependent: false,
  },
];

function ratio(x: number): string {
  return x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(x >= 1.995 ? 1 : 2)}×`;
}

function renderTable(cells: Cell[]): string {
  const sizes = SIZES[mode];
  const find = (lib: Lib, workload: Workload) => cells.find((c) => c.lib === lib && c.workload === workload);
  const footnotes: string[] = [];
  const noteFor = (cell: Cell): string => {
    if (!cell.reduced) return "";
    const unit = cell.workload === "W4" ? "tokens" : "items";
    const full = fmtSize(SIZES[mode][cell.workload]);
    const why = REDUCED_WHY[cell.lib]?.[cell.workload];
    const text = `${LABEL[cell.lib]} ${cell.workload} ran ${fmtSize(cell.size)} ${unit}, not ${full}${why ? `: ${why}` : ""}.`;
    let index = footnotes.indexOf(text);
    if (index < 0) index = footnotes.push(text) - 1;
    return ` [${index + 1}]`;
  };

  const header = [
    "workload",
    ...LIBS.filter((l) => libs.includes(l)).map((l) => LABEL[l]),
    "justpipe / plain",
    "justpipe vs best peer",
  ];
  const rows: string[][] = [];
  for (const metric of METRICS) {
    if (!workloads.includes(metric.workload)) continue;
    const row = [metric.label(sizes)];
    for (const lib of LIBS.filter((l) => libs.includes(l))) {
      const cell = find(lib, metric.workload);
      if (!cell || cell.status === "skipped") row.push("—");
      else if (cell.status === "error")
        row.push(`error: ${shorten(cell.error ?? "", 60).replaceAll("|", "\\|")}`);
      else if (cell.status === "timeout") {
        row.push((metric.isRunTime ? `> ${capSeconds} s` : "killed") + noteFor(cell));
      } else
        row.push(metric.format(metric.value(cell.median!)) + noteFor(cell) + (cell.timeouts ? " †" : ""));
    }
    const jp = find("justpipe", metric.workload);
    const plain = find("plain", metric.workload);
    const jpValue = jp?.status === "ok" ? metric.value(jp.median!) : undefined;
    // Cost relative to the baseline: > 1 means justpipe is slower (or larger) than plain code.
    const plainValue = plain?.status === "ok" ? metric.value(plain.median!) : undefined;
    if (jpValue === undefined || !plainValue || metric.workload === "import") row.push("—");
    else row.push(ratio(metric.lowerIsBetter ? jpValue / plainValue : plainValue / jpValue));
    // Against the best peer measured at the same size (or any size for rates).
    const peers = PEERS.map((lib) => find(lib, metric.workload)).filter(
      (c): c is Cell => c?.status === "ok" && (metric.sizeIndependent || !c.reduced),
    );
    if (jpValue === undefined || peers.length === 0) row.push("—");
    else {
      const values = peers.map((c) => ({ lib: c.lib, v: metric.value(c.median!) }));
      const best = values.reduce((a, b) => ((metric.lowerIsBetter ? b.v < a.v : b.v > a.v) ? b : a));
      const factor = metric.lowerIsBetter ? best.v / jpValue : jpValue / best.v;
      const who = LABEL[best.lib];
      if (!Number.isFinite(factor) || factor === 0) row.push("—");
      else row.push(factor >= 1 ? `${ratio(factor)} better (${who})` : `${ratio(1 / factor)} worse (${who})`);
    }
    rows.push(row);
  }
  const lines = [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  const notes = footnotes.map((text, i) => `[${i + 1}] ${text}`);
  const timedOut = cells.filter((c) => c.status === "timeout");
  if (timedOut.length) {
    const which = timedOut.map((c) => `${LABEL[c.lib]} ${c.workload}`).join(", ");
    notes.push(`"> ${capSeconds} s" / "killed": the process was killed at the per-run cap (${which}).`);
  }
  const partly = cells.filter((c) => c.status === "ok" && c.timeouts > 0);
  if (partly.length) {
    const which = partly.map((c) => `${LABEL[c.lib]} ${c.workload}: ${c.timeouts} of ${reps}`).join(", ");
    notes.push(`†: some runs were killed at the ${capSeconds} s cap and count as the slowest (${which}).`);
  }
  return [...lines, ...(notes.length ? ["", ...notes] : [])].join("\n");
}

// --- main ----------------------------------------------------------------------------------------

/** The library's commit (read-only git), with "+dirty" when src/ has uncommitted changes. */
function libraryRevision(): string | undefined {
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", join(BENCH_DIR, ".."), ...args], { encoding: "utf8", stdio: "pipe" }).trim();
  try {
    return git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--", "src") ? "+dirty" : "");
  } catch {
    return undefined;
  }
}

function versionOf(pkg: string, from = BENCH_DIR): string | undefined {
  try {
    return JSON.parse(readFileSync(join(from, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

let justpipeSnapshot = "";

async function main(): Promise<void> {
  const childJs = await compile();
  justpipeSnapshot = snapshotJustpipe();
  const revision = libraryRevision();
  const plan = workloads.flatMap((w) => libs.map((lib) => [lib, w] as const));
  const cap = `${capSeconds} s per process`;
  console.error(`justpipe bench: ${mode} mode, ${reps} fresh process(es) per cell, cap ${cap}\n`);
  const started = Date.now();
  const cells: Cell[] = [];
  for (const [lib, workload] of plan) {
    if (workload === "W5" && !W5_LIBS.includes(lib)) {
      cells.push({
        lib,
        workload,
        ...sizeFor(lib, workload),
        status: "skipped",
        runs: [],
        timeouts: 0,
        load: [],
      });
      continue;
    }
    cells.push(await runCell(childJs, lib, workload));
  }
  const table = renderTable(cells);
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${type()} ${release()}`;
  const versions: Record<string, string | undefined> = { node: process.version };
  for (const pkg of Object.values(PACKAGES)) versions[pkg] = versionOf(pkg);
  const jpVersion = JSON.parse(readFileSync(join(BENCH_DIR, "..", "package.json"), "utf8")).version;
  versions["justpipe"] = revision ? `${jpVersion} (${revision})` : jpVersion;

  console.log(`\n${table}\n`);
  console.log(
    `justpipe ${versions["justpipe"]}, Node ${process.version}, ${machine}; ${mode} mode, ` +
      `median of ${reps} fresh process(es) per cell.`,
  );
  console.log(`Total ${fmtMs(Date.now() - started)}.`);
  // The measured process itself keeps about one core busy; much more than that means other work ran.
  const loads = cells.flatMap((c) => c.load);
  const load = { median: loads.length ? median(loads) : 0, max: Math.max(0, ...loads), cores: cpu.length };
  if (load.median > Math.max(1.5, cpu.length * 0.75)) {
    console.log(
      `Warning: the machine was busy (1-minute load average ${load.median.toFixed(1)} median, ` +
        `${load.max.toFixed(1)} max, on ${cpu.length} cores): the numbers are inflated and noisy.`,
    );
  }

  mkdirSync(dirname(outFile), { recursive: true });
  const report = {
    date: new Date().toISOString(),
    mode,
    reps,
    capSeconds,
    machine,
    load,
    versions,
    sizes: SIZES[mode],
    reduced: REDUCED[mode],
    cells,
    table,
  };
  writeFileSync(outFile, JSON.stringify(report, null, 2) + "\n");
  console.log(`Results: ${outFile}`);
}

await main();
