// Memory of a big map with a store: W3 (a map of 100,000 items over a trivial async worker, then a
// join step) with no store, then with SqliteStore at each durability (and PostgresStore when
// reachable), each in a fresh process. Events stream to the store in batches; the target is a
// peak RSS under 150 MB. Run from the repository root:
//   npx tsx bench/durable-w3.ts [--items 100000] [--sqlite]
// Prints each process's peak RSS (maxRSS), wall time, CPU time and the events stored.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Durability, Pipe, type Store } from "../src/index.js";
import { PostgresStore } from "../src/postgres/index.js";
import { SqliteStore } from "../src/sqlite/index.js";

const itemsArg = process.argv.indexOf("--items");
const ITEMS = itemsArg > 0 ? Number(process.argv[itemsArg + 1]) : 100_000;
const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

async function child(kind: string, durability: Durability, location: string): Promise<void> {
  type S = { count: number; done: boolean };
  const pipe = new Pipe<S>({ name: "w3" });
  const items = Array.from({ length: ITEMS }, (_, index) => index);
  pipe.map("fan", () => items, { each: "work", to: "done" });
  pipe.step("work", async ({ state }: { state: S }) => {
    state.count++;
  });
  pipe.step("done", async ({ state }: { state: S }) => {
    state.done = true;
  });
  const store: Store | undefined =
    kind === "sqlite"
      ? new SqliteStore({ path: location })
      : kind === "postgres"
        ? new PostgresStore({ connectionString: URL, schema: location })
        : undefined;
  await store?.init();
  const state = { count: 0, done: false };
  const cpu = process.cpuUsage();
  const started = performance.now();
  let runId = "";
  for await (const event of pipe.run(state, store ? { store, durability } : {})) {
    runId = event.runId;
    if (event.type === "finish" && event.payload.status !== "success")
      throw new Error(JSON.stringify(event.payload));
  }
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  if (state.count !== ITEMS || !state.done) throw new Error("the map did not finish");
  const stored = store ? (await store.getRun(runId))?.lastSeq : 0;
  await store?.close();
  console.log(
    JSON.stringify({
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      wallMs: wall,
      cpuMs: (used.user + used.system) / 1000,
      stored,
    }),
  );
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]!, process.argv[4] as Durability, process.argv[5]!);
} else {
  console.log(
    `W3: a map of ${ITEMS.toLocaleString()} items; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}`,
  );
  const directory = mkdtempSync(join(tmpdir(), "justpipe-bench-w3-"));
  const runs: [string, string, string][] = [["none", "exit", ""]];
  for (const durability of ["exit", "step", "sync"])
    runs.push(["sqlite", durability, join(directory, `${durability}.db`)]);
  if (!process.argv.includes("--sqlite"))
    for (const durability of ["exit", "step"])
      runs.push(["postgres", durability, `jp_bench_w3_${durability}`]);
  try {
    for (const [kind, durability, location] of runs) {
      const result = spawnSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "bench/durable-w3.ts",
          "--child",
          kind,
          durability,
          location,
          "--items",
          String(ITEMS),
        ],
        { encoding: "utf8" },
      );
      const line = result.stdout.trim().split("\n").at(-1);
      const label = kind === "none" ? "no store" : `${kind} ${durability}`;
      if (result.status !== 0 || !line) {
        console.log(`  ${label.padEnd(18)} failed: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
        continue;
      }
      const { maxRssMb, wallMs, cpuMs, stored } = JSON.parse(line);
      console.log(
        `  ${label.padEnd(18)} peak RSS ${maxRssMb.toFixed(0).padStart(4)} MB   wall ${(wallMs / 1000).toFixed(2)} s   CPU ${(cpuMs / 1000).toFixed(2)} s   events stored ${stored}`,
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
