// Fills a SQLite store for the command-line benchmark through the store's own write API:
// RUNS runs (default 100,000) of ~50 events each plus one run of BIG events (default 100,000),
// 5 million events in all by default. The events are a real run's events (a pipe with a map,
// a streaming step and a retry) replayed under new run ids and times.
//
//   node bench/cli/generate.mjs [store.db] [--runs 100000] [--big 100000]
import { rmSync } from "node:fs";
import { Pipe } from "../../dist/index.js";
import { SqliteStore } from "../../dist/sqlite/index.js";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(args[index + 1]);
};
const path = args[0] && !args[0].startsWith("--") ? args[0] : "/tmp/justpipe-cli-bench.db";
const RUNS = option("runs", 100_000);
const BIG = option("big", 100_000);
const EVENTS_PER_BATCH = 20_000;

/** A pipe whose run has 50 events: load, a map of 12 workers, a streamed answer retried once. */
function templatePipe(items) {
  const pipe = new Pipe({ name: items > 100 ? "backfill" : "ingest" });
  pipe.step("load", ({ state }) => void (state.items = Array.from({ length: items }, (_, index) => index)), {
    to: "embed",
  });
  pipe.map("embed", ({ state }) => state.items, { each: "embedChunk", to: "answer" });
  pipe.step("embedChunk", () => {});
  pipe.step(
    "answer",
    async function* ({ attempt }) {
      if (attempt === 1) throw new Error("model unavailable (503)");
      yield "Hello";
      yield ", world";
    },
    { retries: 1 },
  );
  return pipe;
}

async function template(items) {
  const pipe = templatePipe(items);
  const events = [];
  for await (const event of pipe.run({})) events.push(event);
  return { pipe, events };
}

function stored(event, runId, shift) {
  return {
    runId,
    seq: event.seq,
    type: event.type,
    stage: event.stage,
    timestamp: event.timestamp + shift,
    originRunId: runId,
    parentRunId: null,
    nodeKind: event.nodeKind,
    invocationId: event.invocationId,
    parentInvocationId: event.parentInvocationId,
    ownerInvocationId: event.ownerInvocationId,
    attempt: event.attempt,
    scope: event.scope,
    meta: event.meta,
    payload:
      event.type === "step_error"
        ? {
            message: event.payload.message,
            retrying: event.payload.retrying,
            error: { name: "Error", message: event.payload.message },
          }
        : event.type === "finish"
          ? { ...event.payload, errors: [] }
          : event.payload,
  };
}

function record(pipe, events, runId, startedAt, status) {
  const end = events.at(-1).payload;
  const describe = pipe.describe();
  return {
    runId,
    threadId: runId,
    resumedFrom: null,
    parentRunId: null,
    pipeName: describe.name,
    pipeHash: describe.hash,
    status,
    startedAt,
    endedAt: startedAt + end.durationMs,
    durationMs: end.durationMs,
    failureKind: status === "failed" ? "step" : "none",
    failureSource: status === "failed" ? "user_code" : "none",
    failedStep: status === "failed" ? "answer" : null,
    error: status === "failed" ? "model unavailable (503)" : null,
    suspendedStep: null,
    suspendReason: null,
    end: { ...end, status, errors: [] },
    labels: {},
    owner: null,
    leaseUntil: null,
    lastSeq: events.length,
    updatedAt: startedAt + end.durationMs,
  };
}

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";
const runIdOf = (index) => {
  // Random-looking from the first character, as generated ids are (a fixed LCG: repeatable).
  let x = (index * 2654435761 + 97) >>> 0;
  let id = "";
  for (let i = 0; i < 20; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    id += alphabet[(x >>> 16) % 32];
  }
  return id;
};

rmSync(path, { force: true });
rmSync(`${path}-wal`, { force: true });
rmSync(`${path}-shm`, { force: true });
const store = new SqliteStore({ path });
await store.init();
const small = await template(12);
const big = await template(Math.ceil((BIG - 30) / 3));
const started = performance.now();
const now = Date.now();
const firstStart = now - RUNS * 20_000; // one run every 20 s, the newest just now

await store.write({
  pipeline: {
    hash: small.pipe.describe().hash,
    name: "ingest",
    describe: small.pipe.describe(),
    firstSeen: firstStart,
  },
});
await store.write({
  pipeline: {
    hash: big.pipe.describe().hash,
    name: "backfill",
    describe: big.pipe.describe(),
    firstSeen: firstStart,
  },
});

let pending = [];
let written = 0;
const flush = async () => {
  if (pending.length === 0) return;
  await store.write({ events: pending });
  written += pending.length;
  pending = [];
};
for (let index = 0; index < RUNS; index++) {
  const runId = runIdOf(index);
  const startedAt = firstStart + index * 20_000;
  const status = index % 10 === 3 ? "failed" : "success";
  await store.write({ run: record(small.pipe, small.events, runId, startedAt, status) });
  const shift = startedAt - small.events[0].timestamp;
  for (const event of small.events) pending.push(stored(event, runId, shift));
  if (pending.length >= EVENTS_PER_BATCH) await flush();
  if (index % 10_000 === 0 && index > 0) {
    process.stderr.write(
      `${index} runs, ${written} events, ${((performance.now() - started) / 1000).toFixed(0)} s\n`,
    );
  }
}
await flush();
const bigId = "bigrun00000000000001";
const bigStart = now - 3_600_000;
await store.write({ run: record(big.pipe, big.events, bigId, bigStart, "success") });
const shift = bigStart - big.events[0].timestamp;
for (const event of big.events) {
  pending.push(stored(event, bigId, shift));
  if (pending.length >= EVENTS_PER_BATCH) await flush();
}
await flush();
await store.close();
const seconds = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    path,
    runs: RUNS + 1,
    events: written,
    eventsPerSmallRun: small.events.length,
    bigRun: { runId: bigId, events: big.events.length },
    seconds: Number(seconds.toFixed(1)),
  }),
);
