// How fast the stores answer the command line's and the dashboard's reads at scale: 100,000 runs
// and one run of 100,000 events. Run from the repository root:
//   npx tsx bench/store-queries.ts             (SQLite, then Postgres when DATABASE_URL or the local server answers)
//   npx tsx bench/store-queries.ts --sqlite    (SQLite only)
// Prints the median of 15 calls of each query, in milliseconds.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { RunRecord, Store, StoredEvent } from "../src/index.js";
import { PostgresStore } from "../src/postgres/index.js";
import { SqliteStore } from "../src/sqlite/index.js";

const RUNS = 100_000;
const EVENTS = 100_000;
const STATUSES = ["success", "failed", "suspended", "success", "success"] as const;
const PIPES = ["ingest", "review", "summarise", "rag"];
const URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const runId = (index: number) => `r${index.toString(36).padStart(8, "0")}x${(index * 7919).toString(36)}`;

function run(index: number): RunRecord {
  const status = STATUSES[index % STATUSES.length]!;
  return {
    runId: runId(index),
    threadId: runId(index),
    resumedFrom: null,
    parentRunId: null,
    pipeName: PIPES[index % PIPES.length]!,
    pipeHash: `hash-${PIPES[index % PIPES.length]}`,
    status,
    startedAt: 1_700_000_000_000 + index * 1000,
    endedAt: 1_700_000_000_500 + index * 1000,
    durationMs: 500,
    failureKind: status === "failed" ? "step" : "none",
    failureSource: status === "failed" ? "user_code" : "none",
    failedStep: status === "failed" ? "call_llm" : null,
    error: status === "failed" ? "Rate limit exceeded" : null,
    suspendedStep: null,
    suspendReason: null,
    end: null,
    labels: {},
    owner: null,
    leaseUntil: null,
    lastSeq: 0,
    updatedAt: 0,
  };
}

function event(seq: number): StoredEvent {
  const types = ["step_start", "token", "token", "step_end"] as const;
  return {
    runId: "big-run",
    seq,
    type: types[seq % 4]!,
    stage: `step${seq % 10}`,
    timestamp: 1_700_000_000_000 + seq,
    originRunId: "big-run",
    parentRunId: null,
    nodeKind: "step",
    invocationId: `big-run:${Math.floor(seq / 4)}`,
    parentInvocationId: null,
    ownerInvocationId: `big-run:${Math.floor(seq / 4)}`,
    attempt: 1,
    scope: [],
    meta: null,
    payload: seq % 4 === 1 ? "some token text" : undefined,
  };
}

async function fill(store: Store, fastRuns: (records: RunRecord[]) => Promise<void>): Promise<void> {
  const started = performance.now();
  for (let first = 0; first < RUNS; first += 5000) {
    await fastRuns(Array.from({ length: Math.min(5000, RUNS - first) }, (_, offset) => run(first + offset)));
  }
  for (const name of PIPES) {
    await store.write({
      pipeline: { hash: `hash-${name}`, name, describe: { name }, firstSeen: 1_700_000_000_000 },
    });
  }
  await store.createRun({ ...run(RUNS), runId: "big-run", threadId: "big-run" });
  for (let first = 1; first <= EVENTS; first += 1000) {
    await store.write({ events: Array.from({ length: 1000 }, (_, offset) => event(first + offset)) });
  }
  console.error(`  filled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function median(work: () => Promise<unknown>): Promise<number> {
  await work();
  const times: number[] = [];
  for (let index = 0; index < 15; index++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[7]!;
}

async function measure(name: string, store: Store): Promise<void> {
  const probe = runId(RUNS - 17);
  const queries: [string, () => Promise<unknown>][] = [
    ["listRuns() newest 50", () => store.listRuns()],
    ["listRuns({ status: 'failed' })", () => store.listRuns({ status: "failed" })],
    ["listRuns({ pipe, offset: 5000 })", () => store.listRuns({ pipe: "review", offset: 5000 })],
    ["listRuns({ search: 'rate limit' })", () => store.listRuns({ search: "rate limit" })],
    ["countRuns()", () => store.countRuns()],
    ["countRuns({ status: 'failed' })", () => store.countRuns({ status: "failed" })],
    ["getRun(8-char prefix)", () => store.getRun(probe.slice(0, 10))],
    ["listPipelines()", () => store.listPipelines()],
    ["getEvents(100k run, limit 500)", () => store.getEvents("big-run", { limit: 500 })],
    ["getEvents(afterSeq 99,000)", () => store.getEvents("big-run", { afterSeq: 99_000 })],
    [
      "getEvents(types: step_end, limit 500)",
      () => store.getEvents("big-run", { types: ["step_end"], limit: 500 }),
    ],
    ["getEvents(all 100k)", () => store.getEvents("big-run")],
  ];
  console.log(
    `\n${name}: ${RUNS.toLocaleString("en")} runs, one run of ${EVENTS.toLocaleString("en")} events`,
  );
  for (const [label, work] of queries)
    console.log(`  ${label.padEnd(40)} ${(await median(work)).toFixed(2)} ms`);
}

const directory = mkdtempSync(join(tmpdir(), "justpipe-bench-store-"));
try {
  const sqlite = new SqliteStore({ path: join(directory, "runs.db") });
  await fill(sqlite, async (records) => {
    for (const record of records) await sqlite.createRun(record);
  });
  await measure("SqliteStore", sqlite);
  await sqlite.close();
} finally {
  rmSync(directory, { recursive: true, force: true });
}

if (!process.argv.includes("--sqlite")) {
  const schema = "jp_bench_queries";
  const admin = new pg.Client({ connectionString: URL });
  try {
    await admin.connect();
  } catch (error) {
    console.log(`\nPostgresStore: skipped (${String(error)}); set DATABASE_URL or start PostgreSQL`);
    process.exit(0);
  }
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  const store = new PostgresStore({ connectionString: URL, schema });
  await store.init();
  await fill(store, async (records) => {
    // One multi-row INSERT per 5,000 runs: 100,000 createRun round trips would take minutes.
    const values = records.map((record) => [
      record.runId,
      record.pipeName,
      record.pipeHash,
      record.status,
      record.startedAt,
      record.error,
      record.failedStep,
    ]);
    await admin.query(
      `INSERT INTO ${schema}.runs (run_id, thread_id, pipe_name, pipe_hash, status, started_at, error, failed_step, updated_at)
       SELECT r[1], r[1], r[2], r[3], r[4], r[5]::float8, r[6], r[7], 0 FROM jsonb_array_elements($1::jsonb) AS j,
       LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(j.value))) AS x(r)`,
      [JSON.stringify(values)],
    );
  });
  await admin.query(`ANALYZE ${schema}.runs; ANALYZE ${schema}.events`);
  await measure("PostgresStore", store);
  await store.close();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}
