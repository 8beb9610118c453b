// Scale-out on worker processes through BullMQ (justpipe/bullmq), against the Redis at REDIS_URL
// (default redis://127.0.0.1:6379). Needs a build: `npm run build && node bench/scale-out.mjs`.
//   1. map:    the acceptance test's pipeline (fan-out and join, switch, map of ITEMS items that
//              sleep 5-20 ms and yield 3 tokens) on 1, 2 and 4 worker processes of concurrency
//              CONCURRENCY (default 4); the map keeps WINDOW items outstanding (default 4 x CONCURRENCY:
//              the map's maxConcurrency must be at least workers x worker concurrency, or the workers
//              added wait for items the map does not give out): items/s, and the speed-up over one
//              worker; once with the items in the state (as the test has it) and once generated from
//              a count. The coordinator's and the workers' CPU time per item are reported too.
//   2. cost:   items that do no work, one worker process of concurrency 16, 16 outstanding: time per
//              item through justpipe against raw BullMQ jobs doing the same (the item in, 3 tokens
//              and a result back through a Redis stream): the ratio.
//   3. tokens: one remote step streams TOKENS tokens to the consumer: tokens/s.
// Each measurement runs REPS times (default 3); the median is reported. Everything is cleaned up.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { bullmqExecutor, createWorker, v8Codec } from "../dist/bullmq/index.js";
import { EventType, Pipe, Stop } from "../dist/index.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ITEMS = Number(process.env.ITEMS ?? 2000);
const TOKENS = Number(process.env.TOKENS ?? 100_000);
const REPS = Number(process.env.REPS ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const WINDOW = Number(process.env.WINDOW ?? 4 * CONCURRENCY);
const role = process.argv[2];
// CODEC=v8: both sides use v8Codec instead of the default jsonCodec.
const codec = process.env.CODEC === "v8" ? { codec: v8Codec } : {};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The benchmark pipeline: `itemsInState` puts the items in the state, else a count generates them. */
function benchPipe({ itemsInState, delay }) {
  const pipe = new Pipe({ name: `bench-${itemsInState ? "state" : "count"}-${delay ? "sleep" : "nowork"}` });
  const summarise = pipe.step("summarise", ({ state }) => {
    state.total = Object.keys(state.results).length;
  });
  pipe.step("embed", async function* ({ state, item }) {
    if (delay) await sleep(5 + ((item.index * 7919) % 16));
    for (let index = 0; index < 3; index++) yield `${item.id}:${index}`;
    state.results[item.id] = `summary-${item.id}`;
  });
  const items = function* (count) {
    for (let index = 0; index < count; index++) yield { id: `d${index}`, index };
  };
  const fanout = pipe.map("fanout", ({ state }) => (itemsInState ? state.docs : items(state.count)), {
    each: "embed",
    maxConcurrency: delay ? WINDOW : 16,
    to: summarise,
  });
  const route = pipe.switch("route", ({ state }) => (state.count > 0 ? "many" : "none"), {
    to: { many: fanout, none: Stop },
  });
  const join = pipe.step("join", () => {}, { to: route });
  const left = pipe.step("left", ({ state }) => void (state.left = "L"), { to: join });
  const right = pipe.step("right", ({ state }) => void (state.right = "R"), { to: join });
  pipe.step(
    "load",
    ({ state }) => {
      if (itemsInState) state.docs = [...items(state.count)];
    },
    { to: [left, right] },
  );
  return pipe;
}

const streamPipe = new Pipe({ name: "bench-tokens" });
streamPipe.step("stream", async function* ({ state }) {
  for (let index = 0; index < state.count; index++) yield index;
});

const pipes = [
  benchPipe({ itemsInState: true, delay: true }),
  benchPipe({ itemsInState: false, delay: true }),
  benchPipe({ itemsInState: false, delay: false }),
  streamPipe,
];

// ------------------------------------------------------------------ worker processes

if (role === "--worker") {
  const [prefix, queue, concurrency] = process.argv.slice(3);
  const worker = createWorker({
    pipes,
    connection: REDIS_URL,
    prefix,
    queue,
    concurrency: Number(concurrency),
    ...codec,
  });
  await worker.ready;
  process.send({ ready: true });
  process.on("SIGTERM", () => worker.close().then(() => process.exit(0)));
} else if (role === "--raw-worker") {
  const [prefix, queue, concurrency] = process.argv.slice(3);
  const redis = new Redis(REDIS_URL);
  const connection = { ...parse(REDIS_URL), maxRetriesPerRequest: null };
  const worker = new Worker(
    queue,
    async (job) => {
      const { id, stream } = job.data;
      // The same work as `embed` without sleeping: 3 tokens, then the result, back to the caller.
      const tokens = [`${id}:0`, `${id}:1`, `${id}:2`];
      await redis
        .multi()
        .xadd(stream, "*", "j", job.id, "t", JSON.stringify(tokens))
        .xadd(stream, "*", "j", job.id, "r", `summary-${id}`)
        .exec();
    },
    { connection, prefix, concurrency: Number(concurrency) },
  );
  await worker.waitUntilReady();
  process.send({ ready: true });
  process.on("SIGTERM", () => worker.close().then(() => process.exit(0)));
} else {
  await main();
}

function parse(url) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

async function startWorkers(count, prefix, queue, concurrency, kind = "--worker") {
  const children = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const child = fork(new URL(import.meta.url).pathname, [kind, prefix, queue, String(concurrency)]);
          child.once("message", () => resolve(child));
          child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
        }),
    ),
  );
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            child.once("exit", resolve);
            child.kill("SIGTERM");
          }),
      ),
    );
  };
  stop.pids = children.map((child) => child.pid);
  return stop;
}

/** CPU time (ms, user + system) the processes used so far, from /proc (Linux). */
function cpuOfProcesses(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100
}

function cpuOfThisProcess() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function runMap(pipe, executor, count) {
  const state = { count, docs: [], left: "", right: "", results: {}, total: 0 };
  const started = performance.now();
  let finish;
  for await (const event of pipe.run(state, { executor }))
    if (event.type === EventType.FINISH) finish = event.payload;
  const ms = performance.now() - started;
  if (finish.status !== "success" || state.total !== count)
    throw new Error(`run failed: ${finish.status} ${finish.error}`);
  return ms;
}

function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

async function measureMap(pipe, workers, reps) {
  const prefix = `jpbench-${process.pid}`;
  const queue = `map-${workers}-${pipe.name}`;
  const stop = await startWorkers(workers, prefix, queue, CONCURRENCY);
  const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue, ...codec });
  await runMap(pipe, executor, 100); // warm-up
  const times = [];
  const coordinatorBefore = cpuOfThisProcess();
  const workersBefore = cpuOfProcesses(stop.pids);
  for (let rep = 0; rep < reps; rep++) times.push(await runMap(pipe, executor, ITEMS));
  const coordinatorUs = ((cpuOfThisProcess() - coordinatorBefore) * 1000) / (reps * ITEMS);
  const workersUs = ((cpuOfProcesses(stop.pids) - workersBefore) * 1000) / (reps * ITEMS);
  await executor.close();
  await stop();
  await cleanup(prefix);
  return { rate: ITEMS / (median(times) / 1000), coordinatorUs, workersUs };
}

async function measureCost(reps) {
  const prefix = `jpbench-${process.pid}`;
  const pipe = pipes[2];
  let stop = await startWorkers(1, prefix, "cost", 16);
  const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue: "cost", ...codec });
  await runMap(pipe, executor, 200);
  const justpipe = [];
  for (let rep = 0; rep < reps; rep++) justpipe.push((await runMap(pipe, executor, ITEMS)) / ITEMS);
  await executor.close();
  await stop();

  stop = await startWorkers(1, prefix, "raw", 16, "--raw-worker");
  const raw = [];
  for (let rep = 0; rep < reps + 1; rep++) raw.push(await rawRun(prefix, rep === 0 ? 200 : ITEMS));
  raw.shift();
  await stop();
  await cleanup(prefix);
  return { justpipeMs: median(justpipe), rawMs: median(raw) };
}

/** Raw BullMQ: 16 jobs outstanding, each result read back from a stream (as justpipe does). */
async function rawRun(prefix, count) {
  const connection = { ...parse(REDIS_URL), maxRetriesPerRequest: null };
  const queue = new Queue("raw", { connection, prefix });
  const reader = new Redis(REDIS_URL);
  const stream = `${prefix}:raw:results:${Math.random()}`;
  const started = performance.now();
  let next = 0;
  let done = 0;
  let lastId = "0-0";
  const results = {};
  const add = () =>
    queue.add(
      "item",
      { id: `d${next}`, stream },
      { jobId: `r-${stream.slice(-6)}-${next++}`, removeOnComplete: true },
    );
  const adds = [];
  while (next < Math.min(16, count)) adds.push(add());
  await Promise.all(adds);
  while (done < count) {
    const reply = await reader.xread("COUNT", 1000, "BLOCK", 5000, "STREAMS", stream, lastId);
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        lastId = id;
        if (fields[2] !== "r") continue;
        results[fields[1]] = fields[3];
        done++;
        if (next < count) await add();
      }
    }
  }
  const ms = performance.now() - started;
  await reader.del(stream);
  reader.disconnect();
  await queue.close();
  return ms / count;
}

async function measureTokens(reps) {
  const prefix = `jpbench-${process.pid}`;
  const stop = await startWorkers(1, prefix, "tokens", 4);
  const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue: "tokens", ...codec });
  const rates = [];
  for (let rep = 0; rep <= reps; rep++) {
    const count = rep === 0 ? 1000 : TOKENS;
    let tokens = 0;
    const started = performance.now();
    for await (const event of streamPipe.run({ count }, { executor }))
      if (event.type === EventType.TOKEN) tokens++;
    if (tokens !== count) throw new Error(`got ${tokens} tokens of ${count}`);
    if (rep > 0) rates.push(count / ((performance.now() - started) / 1000));
  }
  await executor.close();
  await stop();
  await cleanup(prefix);
  return median(rates);
}

async function cleanup(prefix) {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

async function main() {
  const { loadavg, cpus } = await import("node:os");
  const only = process.env.ONLY; // "map", "cost" or "tokens": run one part
  if (only === "cost") return console.log(await measureCost(REPS));
  if (only === "tokens") return console.log(await measureTokens(REPS));
  if (only === "map") {
    for (const workers of (process.env.WORKERS ?? "1,2,4").split(",").map(Number)) {
      const measured = await measureMap(pipes[Number(process.env.PIPE ?? 0)], workers, REPS);
      console.log(
        `${workers} worker(s): ${measured.rate.toFixed(0)} items/s; CPU per item: caller ${measured.coordinatorUs.toFixed(0)} µs, workers ${measured.workersUs.toFixed(0)} µs; load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(" ")}`,
      );
    }
    return;
  }
  console.error(
    `scale-out bench: ${ITEMS} items, worker concurrency ${CONCURRENCY}, map window ${WINDOW}, ${TOKENS} tokens, ${REPS} reps, ${cpus().length} cores, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const rows = [];
  for (const [label, pipe] of [
    ["items in state", pipes[0]],
    ["items from a count", pipes[1]],
  ]) {
    const rates = {};
    for (const workers of [1, 2, 4]) {
      const measured = await measureMap(pipe, workers, REPS);
      rates[workers] = measured.rate;
      console.error(
        `  map (${label}), ${workers} worker(s): ${measured.rate.toFixed(0)} items/s; CPU per item: caller ${measured.coordinatorUs.toFixed(0)} µs, workers ${measured.workersUs.toFixed(0)} µs; load ${loadavg()[0].toFixed(1)}`,
      );
    }
    rows.push(
      `| map, ${label} | ${rates[1].toFixed(0)} | ${rates[2].toFixed(0)} (${(rates[2] / rates[1]).toFixed(2)}x) | ${rates[4].toFixed(0)} (${(rates[4] / rates[1]).toFixed(2)}x) |`,
    );
  }
  const cost = await measureCost(REPS);
  const tokens = await measureTokens(REPS);
  console.log("| what | 1 worker | 2 workers | 4 workers |\n|---|---|---|---|");
  for (const row of rows) console.log(row);
  console.log(
    `\ncost per item (no work, 16 outstanding): justpipe ${(cost.justpipeMs * 1000).toFixed(0)} µs, raw BullMQ ${(cost.rawMs * 1000).toFixed(0)} µs: ${(cost.justpipeMs / cost.rawMs).toFixed(2)}x`,
  );
  console.log(`tokens across processes: ${Math.round(tokens).toLocaleString("en")} tokens/s`);
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
}
