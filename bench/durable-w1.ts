// What a store costs per step: W1 (a chain of 10 steps, a state of a counter and a 1 KB string)
// without a store, then with SqliteStore (and PostgresStore when reachable) at each durability.
// Run from the repository root:
//   npx tsx bench/durable-w1.ts [--runs 300] [--sqlite]
// Prints the median over 3 rounds of the wall time per step, in µs, the CPU time (user + system)
// per step of that round, the cost of each over no store, and the load average (wall time is
// only meaningful on a quiet machine; CPU time less so under load, but it does not count waiting).
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { type Durability, Pipe, type Store } from "../src/index.js";
import { PostgresStore } from "../src/postgres/index.js";
import { SqliteStore } from "../src/sqlite/index.js";

const STEPS = 10;
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 300;
const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

interface W1State {
  count: number;
  text: string;
}

function w1(): Pipe<W1State> {
  const pipe = new Pipe<W1State>({ name: "w1" });
  for (let index = STEPS - 1; index >= 0; index--) {
    pipe.step(
      `s${index}`,
      ({ state }) => void state.count++,
      index < STEPS - 1 ? { to: `s${index + 1}` } : {},
    );
  }
  return pipe;
}

async function perStep(
  pipe: Pipe<W1State>,
  runs: number,
  store?: Store,
  durability?: Durability,
): Promise<Cost> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let run = 0; run < runs; run++) {
    const state = { count: 0, text: "x".repeat(1024) };
    const options = store ? { store, durability: durability ?? "exit" } : {};
    for await (const event of pipe.run(state, options)) {
      if (event.type === "finish" && event.payload.status !== "success")
        throw new Error(JSON.stringify(event.payload));
    }
    if (state.count !== STEPS) throw new Error("a step did not run");
  }
  const used = process.cpuUsage(cpu);
  return {
    wall: ((performance.now() - started) * 1000) / (runs * STEPS),
    cpu: (used.user + used.system) / (runs * STEPS),
  };
}

interface Cost {
  wall: number;
  cpu: number;
}

let baseline: Cost | undefined;

async function measure(label: string, store?: Store, durability?: Durability): Promise<Cost> {
  const pipe = w1();
  await perStep(pipe, Math.min(50, RUNS), store, durability); // warm-up
  const rounds: Cost[] = [];
  for (let round = 0; round < 3; round++) rounds.push(await perStep(pipe, RUNS, store, durability));
  const median = rounds.sort((a, b) => a.wall - b.wall)[1]!;
  const over = baseline
    ? `   +${(median.wall - baseline.wall).toFixed(1)} wall, +${(median.cpu - baseline.cpu).toFixed(1)} CPU µs/step over no store`
    : "";
  console.log(
    `  ${label.padEnd(22)} wall ${median.wall.toFixed(1).padStart(7)}  CPU ${median.cpu.toFixed(1).padStart(7)} µs/step${over}`,
  );
  return median;
}

console.log(
  `W1: ${RUNS} runs of ${STEPS} steps per round (median of 3 rounds); load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
baseline = await measure("no store");
const directory = mkdtempSync(join(tmpdir(), "justpipe-bench-w1-"));
try {
  const sqlite = new SqliteStore({ path: join(directory, "runs.db") });
  for (const durability of ["exit", "step", "sync"] as const) {
    await measure(`SqliteStore ${durability}`, sqlite, durability);
  }
  await sqlite.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}

if (!process.argv.includes("--sqlite")) {
  const admin = new pg.Client({ connectionString: URL });
  try {
    await admin.connect();
    await admin.query("DROP SCHEMA IF EXISTS jp_bench_w1 CASCADE");
    const store = new PostgresStore({ connectionString: URL, schema: "jp_bench_w1" });
    for (const durability of ["exit", "step", "sync"] as const) {
      await measure(`PostgresStore ${durability}`, store, durability);
    }
    await store.close();
    await admin.query("DROP SCHEMA IF EXISTS jp_bench_w1 CASCADE");
    await admin.end();
    console.log(
      `load average at the end ${loadavg()
        .map((value) => value.toFixed(2))
        .join(" ")}`,
    );
  } catch (error) {
    console.log(`  PostgresStore: skipped (${String(error)})`);
  }
}
