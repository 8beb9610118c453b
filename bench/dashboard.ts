// The dashboard at scale: a store of 100,000 runs and a run of 100,000 events.
//   npm run bench:dashboard                              (fills a SQLite store in a temporary folder)
//   npm run bench:dashboard -- --file /tmp/justpipe-cli-bench.db --big-run bigrun00000000000001
//                                                        (the store of bench/cli/generate.mjs)
//   npm run bench:dashboard -- --store memory --runs 20000 --events 20000 --reps 5
// Prints the API's latency (median and worst of --reps calls after one warm-up) and the time
// Chromium takes to show each page's first screen (navigation start to the animation frame in
// which the first rows are in the page, by performance.now() there), --reps times in fresh tabs.
/// <reference lib="dom" />
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { MemoryStore, Pipe, type RunRecord, type Store, type StoredEvent } from "justpipe";
import { SqliteStore } from "justpipe/sqlite";
import { listenDashboard } from "../src/dashboard/start.js";
import { CHROMIUM, launchBrowser } from "../test/dashboard/support/browser.js";
import { buildApp } from "../test/dashboard/support/build-app.js";
import { runStored } from "../test/dashboard/support/run-stored.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "100000" },
    events: { type: "string", default: "100000" },
    reps: { type: "string", default: "7" },
    store: { type: "string", default: "sqlite" },
    file: { type: "string" },
    "big-run": { type: "string" },
  },
});
const RUNS = Number(values.runs);
const EVENTS = Number(values.events);
const REPS = Number(values.reps);
const STATUSES = ["success", "success", "success", "failed", "suspended", "cancelled", "timeout"] as const;

const folder = mkdtempSync(join(tmpdir(), "justpipe-dashboard-bench-"));
const store: Store =
  values.file !== undefined
    ? new SqliteStore({ path: values.file })
    : values.store === "memory"
      ? new MemoryStore()
      : new SqliteStore({ path: join(folder, "runs.db") });
const started = performance.now();

let bigRunId: string;
if (values.file !== undefined) {
  if (values["big-run"] === undefined) throw new Error("--file needs --big-run <id>: the run of many events");
  bigRunId = values["big-run"];
} else {
  // One big run for real: a map over N/3 items (three events per worker), stored as it ran.
  const big = new Pipe<{ total: number }>({ name: "big-map" });
  big.step("sum", async () => {});
  big.step("work", async ({ state }) => {
    state.total++;
  });
  big.map("fan_out", async () => Array.from({ length: Math.floor(EVENTS / 3) }, (_, index) => index), {
    each: "work",
    to: "sum",
    maxConcurrency: 64,
  });
  bigRunId = (await runStored(store, big, { total: 0 })).runId;

  // The many runs: one real run of a small pipe, stored again under new ids, times and statuses.
  const small = new Pipe<{ n: number }>({ name: "nightly" });
  small.step("report", async () => {});
  small.step(
    "collect",
    async ({ state }) => {
      state.n++;
    },
    { to: "report" },
  );
  const template = await runStored(store, small, { n: 0 });
  const templateEvents = await store.getEvents(template.runId);
  const base = Date.now() - RUNS * 60_000;
  for (let index = 0; index < RUNS; index++) {
    const runId = `${((index * 2654435761) % 4294967296).toString(16).padStart(8, "0")}${index.toString(36)}`;
    const status = STATUSES[index % STATUSES.length]!;
    const run: RunRecord = {
      ...template,
      runId,
      threadId: runId,
      pipeName: index % 10 === 0 ? "weekly" : "nightly",
      status,
      startedAt: base + index * 60_000,
      endedAt: base + index * 60_000 + 1200,
      durationMs: 1200 + (index % 97),
      failedStep: status === "failed" ? "collect" : null,
      error: status === "failed" ? "upstream timed out" : null,
    };
    const events: StoredEvent[] = templateEvents.map((event) => ({ ...event, runId, originRunId: runId }));
    await store.write({ run, events });
  }
}
const bigRun = (await store.getRun(bigRunId))!;
// The filters below use the store's most common pipe and a status it has.
const [pipe] = (await store.listPipelines()).sort((a, b) => b.runCount - a.runCount);
const failedOrOther = (await store.countRuns({ status: "failed" })) > 0 ? "failed" : "success";
console.log(
  `${values.file ?? values.store} store: ${(await store.countRuns()).toLocaleString()} runs, the big run ${bigRun.lastSeq.toLocaleString()} events (ready in ${((performance.now() - started) / 1000).toFixed(1)} s); load average ${loadavg()
    .map((load) => load.toFixed(1))
    .join(" ")}`,
);

const appDir = await buildApp();
const dashboard = await listenDashboard({ store, port: 0 }, appDir);
const url = (path: string) => new URL(path, dashboard.url).href;

async function timeApi(label: string, path: string): Promise<void> {
  await fetch(url(path)).then((response) => response.arrayBuffer());
  const times: number[] = [];
  const inStore: number[] = [];
  let bytes = 0;
  for (let rep = 0; rep < REPS; rep++) {
    const start = performance.now();
    const response = await fetch(url(path));
    bytes = (await response.arrayBuffer()).byteLength;
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    times.push(performance.now() - start);
    inStore.push(Number(/store;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "")?.[1]));
  }
  inStore.sort((a, b) => a - b);
  report(
    label,
    times,
    `${(bytes / 1024).toFixed(0)} KiB, store ${inStore[inStore.length >> 1]!.toFixed(1)} ms`,
  );
}

function report(label: string, times: number[], note = ""): void {
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(1).padStart(7)} ms   worst ${times.at(-1)!.toFixed(1).padStart(7)} ms   ${note}`,
  );
}

console.log("\nAPI (node fetch, same machine):");
await timeApi("GET /api/runs?limit=50", "/api/runs?limit=50");
await timeApi("GET /api/runs?limit=50&offset=50000", "/api/runs?limit=50&offset=50000");
await timeApi(
  `GET /api/runs?status=${failedOrOther}&pipe=${pipe!.name}&limit=50`,
  `/api/runs?status=${failedOrOther}&pipe=${encodeURIComponent(pipe!.name)}&limit=50`,
);
await timeApi(
  `GET /api/runs?q=${pipe!.name}&limit=50`,
  `/api/runs?q=${encodeURIComponent(pipe!.name)}&limit=50`,
);
await timeApi(`GET /api/runs?q=<id prefix>&limit=50`, `/api/runs?q=${bigRun.runId.slice(0, 6)}&limit=50`);
await timeApi(`GET /api/stats?pipe=${pipe!.name}`, `/api/stats?pipe=${encodeURIComponent(pipe!.name)}`);
await timeApi(
  `GET /api/runs/<big>/events?limit=500 (the app's first)`,
  `/api/runs/${bigRun.runId}/events?limit=500`,
);
await timeApi(`GET /api/runs/<big>/events?limit=2000`, `/api/runs/${bigRun.runId}/events?limit=2000`);
await timeApi(
  `GET /api/runs/<big>/events?afterSeq=90000&limit=2000`,
  `/api/runs/${bigRun.runId}/events?afterSeq=90000&limit=2000`,
);
await timeApi(
  `GET /api/runs/<big>/events?type=step_end&limit=2000`,
  `/api/runs/${bigRun.runId}/events?type=step_end&limit=2000`,
);
await timeApi(`GET /api/runs/<big>`, `/api/runs/${bigRun.runId}`);

console.log(`\nFirst screen in Chromium (${CHROMIUM}, 1280x800, fresh tab each time):`);
const browser = await launchBrowser();
async function timePage(label: string, path: string, ready: readonly string[], rows = 1): Promise<void> {
  const times: number[] = [];
  for (let rep = 0; rep < REPS + 1; rep++) {
    const page = await browser.context.newPage();
    await page.goto(url(path), { waitUntil: "commit" });
    // Checked on every animation frame; the time is taken in the frame where it first holds.
    const handle = await page.waitForFunction(
      ([selectors, count]) =>
        document.querySelectorAll(selectors[0]!).length >= count &&
        selectors.every((selector) => document.querySelector(selector) !== null) &&
        performance.now(),
      [ready, rows] as const,
      { timeout: 30_000, polling: "raf" },
    );
    const at = (await handle.jsonValue()) as number;
    if (rep > 0) times.push(at);
    await page.close();
  }
  report(label, times);
}
await timePage("/runs: the table's rows", "/runs", ["tbody tr"], 50);
await timePage("/runs/<big>: graph, timeline and event rows", `/runs/${bigRun.runId}`, [
  ".event-row",
  ".graph [data-state]",
  ".timeline .bar",
]);
await browser.close();
await dashboard.close();
await store.close();
console.log(
  `load average at the end ${loadavg()
    .map((load) => load.toFixed(1))
    .join(" ")}`,
);
rmSync(folder, { recursive: true, force: true });
