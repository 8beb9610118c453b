// Detached runs with real processes on the real Redis and a SQLite file store (and Postgres): the
// test process starts a run and returns at once; worker processes host its run loop; a third
// process observes it. The hosting worker is SIGKILLed mid-map (chosen by stored event count, not
// time) and another worker finishes the run from its checkpoint. Time limits only detect hangs.
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EventType, jsonCodec, type PipeEvent, type RunRecord, type Store } from "justpipe";
import { bullmqExecutor } from "justpipe/bullmq";
import { SqliteStore } from "justpipe/sqlite";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { assertRunInvariants } from "../helpers.js";
import {
  DATABASE_URL,
  dropSchema,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  uniquePrefix,
} from "../support/services.js";
import { type LogEntry, parseLog } from "./docs-checks.js";
import { type DocsContext, type DocsState, docs, initialDocsState } from "./fixtures/docs-pipe.js";
import { storeOf } from "./fixtures/store-of.js";
import { dropPrefix, keysUnder } from "./helpers.js";
import { startWorker, stopWorkers } from "./processes.js";

const redis = await redisAvailable();
const postgres = await postgresAvailable();
const prefix = uniquePrefix("detached");
const directory = mkdtempSync(join(tmpdir(), "jp-detached-"));
const children: ChildProcess[] = [];
const observerScript = fileURLToPath(new URL("./fixtures/observer-process.ts", import.meta.url));

async function workers(
  count: number,
  queue: string,
  location: string,
  variant = "",
): Promise<ChildProcess[]> {
  const logDir = join(directory, queue);
  mkdirSync(logDir, { recursive: true });
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startWorker({
        REDIS_URL,
        JP_PREFIX: prefix,
        JP_QUEUE: queue,
        JP_LOG_DIR: logDir,
        JP_STORE: location,
        JP_VARIANT: variant,
      }),
    ),
  );
  children.push(...started);
  return started;
}

function readLogs(queue: string): LogEntry[] {
  const logDir = join(directory, queue);
  return readdirSync(logDir).flatMap((file) => parseLog(readFileSync(join(logDir, file), "utf8")));
}

/** Starts the third process that observes the run; resolves the events it printed. */
function observeElsewhere(location: string, runId: string): Promise<PipeEvent<DocsState>[]> {
  const child = fork(observerScript, [], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, JP_STORE: location, JP_RUN: runId },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`the observer exited with ${code}`));
      resolve(
        output
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as PipeEvent<DocsState>),
      );
    });
  });
}

/** The state a run of `count` items ends with in one process: what a detached run must end with. */
async function expectedState(count: number): Promise<DocsState> {
  const context: DocsContext = { log: () => {} };
  const { state } = await docs.invoke(initialDocsState(count), { context });
  return state;
}

/** The final state of a run: its thread's newest checkpoint, written at its FINISH. */
async function finalState(store: Store, runId: string): Promise<DocsState> {
  const checkpoint = await store.loadCheckpoint(runId);
  expect(checkpoint?.reason).toBe("finish");
  return jsonCodec.decode(checkpoint!.state) as DocsState;
}

/** The segments of a run's resume chain, first to last. */
async function segmentsOf(store: Store, runId: string): Promise<RunRecord[]> {
  const thread = await store.listRuns({ threadId: runId, limit: 100 });
  const chain = [thread.find((run) => run.runId === runId)!];
  for (;;) {
    const next = thread.find((run) => run.resumedFrom === chain.at(-1)!.runId);
    if (next === undefined) return chain;
    chain.push(next);
  }
}

/** Only BullMQ's own bookkeeping may stay: no job, no stream, no lock. */
async function leftovers(queue: string): Promise<string[]> {
  return (await keysUnder(REDIS_URL, `${prefix}:${queue}`)).filter(
    (key) => !/:(meta|id|events|marker|stalled-check)$/.test(key),
  );
}

async function waitFor<T>(read: () => Promise<T | undefined>, what: string, limitMs = 60_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const stores: Store[] = [];

describe.skipIf(!redis.ok)(`detached runs (pipe.start, pipe.observe)${redis.reason}`, () => {
  afterEach(async () => {
    await stopWorkers(children.splice(0));
  });
  afterAll(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
    rmSync(directory, { recursive: true, force: true });
    if (redis.ok) await dropPrefix(REDIS_URL, prefix);
  });

  it("starts a run that a worker hosts to success; start() returns before it ends", {
    timeout: 60_000,
  }, async () => {
    const queue = "succeeds";
    const location = join(directory, "succeeds.db");
    const store = new SqliteStore({ path: location });
    stores.push(store);
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    // No worker yet: start() only stores and queues the run.
    const runId = await docs.start(initialDocsState(40), {
      executor,
      store,
      persist: { tokens: "all" },
    });
    const queued = await store.getRun(runId);
    expect(queued).toMatchObject({ runId, status: "running", owner: null, lastSeq: 0 });
    expect(queued?.labels.detached).toBe("true");
    await workers(1, queue, location);
    const events: PipeEvent<DocsState>[] = [];
    for await (const event of docs.observe(runId, { store, pollInterval: 50 })) events.push(event);
    assertRunInvariants(events);
    const finish = events.at(-1)!;
    expect(finish.type === EventType.FINISH && finish.payload.status).toBe("success");
    expect(events.every((event) => event.runId === runId)).toBe(true);
    expect(events.filter((e) => e.type === EventType.TOKEN)).toHaveLength(120);
    expect(await finalState(store, runId)).toEqual(await expectedState(40));
    expect(await segmentsOf(store, runId)).toHaveLength(1);
    await executor.close();
    await stopWorkers(children.splice(0));
    expect(await leftovers(queue)).toEqual([]);
    expect(await leftovers(`${queue}-runs`)).toEqual([]);
  });

  it("finishes a run on another worker when its hosting worker is SIGKILLed mid-map", {
    timeout: 150_000,
  }, async () => {
    const queue = "killed";
    const location = join(directory, "killed.db");
    const store = new SqliteStore({ path: location });
    stores.push(store);
    await workers(2, queue, location);
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const count = 600;
    const runId = await docs.start(initialDocsState(count), {
      executor,
      store,
      leaseTtl: 3000,
      persist: { tokens: "all" },
    });
    const observed = observeElsewhere(location, runId);
    // Kill the host once 150 map workers are stored (by event count, not time).
    const host = await waitFor(async () => {
      const run = await store.getRun(runId);
      if (run?.owner == null) return undefined;
      const spawned = await store.getEvents(runId, { types: [EventType.MAP_WORKER] });
      return spawned.length >= 150 ? run : undefined;
    }, "150 stored map workers");
    const hostPid = Number(/pid (\d+)/.exec(host.owner!)![1]);
    const victim = children.find((child) => child.pid === hostPid);
    expect(victim, `the host ${host.owner} is one of the workers`).toBeDefined();
    victim!.kill("SIGKILL");
    const storedBeforeKill = await store.getEvents(runId);

    const events = await observed;
    // The observer stops at the stored FINISH; the final record may be written just after it.
    const segments = await waitFor(async () => {
      const chain = await segmentsOf(store, runId);
      return chain.at(-1)!.status === "running" ? undefined : chain;
    }, "the last segment's final record");
    expect(segments.length).toBe(2);
    const [first, second] = segments as [RunRecord, RunRecord];
    expect(second.resumedFrom).toBe(first.runId);
    // The dead host's segment ends failed (infra), naming the segment that carries on.
    expect(first).toMatchObject({ status: "failed", failureKind: "infra" });
    expect(first.error).toContain(`resumed as '${second.runId}'`);
    expect(second.status).toBe("success");
    expect(second.owner === null || !second.owner.includes(`pid ${hostPid} `)).toBe(true);

    // The observer saw every stored event of both segments, in order, ending with one FINISH.
    const firstEvents = events.filter((event) => event.runId === first.runId);
    const secondEvents = events.filter((event) => event.runId === second.runId);
    expect(firstEvents.length + secondEvents.length).toBe(events.length);
    expect(events.indexOf(secondEvents[0]!)).toBe(firstEvents.length);
    expect(firstEvents.map((event) => event.seq)).toEqual(firstEvents.map((_, index) => index + 1));
    expect(firstEvents.length).toBe((await store.getEvents(first.runId)).length);
    expect(firstEvents.length).toBeGreaterThanOrEqual(storedBeforeKill.length);
    assertRunInvariants(secondEvents);
    const finish = events.at(-1)!;
    expect(finish.type === EventType.FINISH && finish.payload.status).toBe("success");
    expect(events.filter((event) => event.type === EventType.FINISH)).toHaveLength(1);
    // No STEP_START of the dead segment was closed twice (its open ones stay open: its host died).
    assertRunInvariants(firstEvents, { finished: false });

    // The exact state a run in one process ends with.
    expect(await finalState(store, runId)).toEqual(await expectedState(count));

    // No step whose end was stored ran again: items ended in the first segment are not started in
    // the second, and their side effects happened once.
    const endedFirst = new Set(
      firstEvents
        .filter((e) => e.type === EventType.STEP_END && e.stage === "embed")
        .map((e) => e.scope.at(-1)),
    );
    const startedSecond = secondEvents
      .filter((e) => e.type === EventType.STEP_START && e.stage === "embed")
      .map((e) => e.scope.at(-1));
    expect(startedSecond.filter((scope) => endedFirst.has(scope))).toEqual([]);
    for (const step of ["load", "left", "right", "join", "route"]) {
      const endedBefore = firstEvents.some((e) => e.type === EventType.STEP_END && e.stage === step);
      const startedAfter = secondEvents.some((e) => e.type === EventType.STEP_START && e.stage === step);
      expect(endedBefore && startedAfter, `${step} ended in the first segment and started again`).toBe(false);
    }
    const log = readLogs(queue);
    const done = new Map<string, number>();
    for (const entry of log.filter((e) => e.phase === "done"))
      done.set(entry.id, (done.get(entry.id) ?? 0) + 1);
    expect(done.size).toBe(count);
    // Items that ran twice were running on the killed process (its step jobs stalled); every other
    // in-flight item was picked up where it was, not dispatched again.
    const starts = new Map<string, LogEntry[]>();
    for (const entry of log.filter((e) => e.phase === "start"))
      starts.set(entry.id, [...(starts.get(entry.id) ?? []), entry]);
    const reRun = [...starts].filter(([, list]) => list.length > 1);
    for (const [id, list] of reRun) {
      expect(
        list.some((entry) => entry.pid === hostPid),
        `${id} re-ran but was not on the killed host`,
      ).toBe(true);
      expect(new Set(list.map((entry) => entry.key)).size, `${id} kept its idempotency key`).toBe(1);
    }
    expect(reRun.length).toBeLessThanOrEqual(8);
    // Items in flight when the host died (started, end not stored) that ran on the surviving
    // worker ran once: the new host re-attached to their jobs instead of dispatching them again.
    const openFirst = firstEvents
      .filter((e) => e.type === EventType.STEP_START && e.stage === "embed")
      .map((e) => e.scope.at(-1)!)
      .filter((scope) => !endedFirst.has(scope))
      .map((scope) => `d${/\[(\d+)\]/.exec(scope)![1]}`);
    const reattached = openFirst.filter((id) =>
      (starts.get(id) ?? []).every((entry) => entry.pid !== hostPid),
    );
    expect(openFirst.length).toBeGreaterThan(0);
    expect(reattached.length, JSON.stringify({ openFirst })).toBeGreaterThan(0);
    for (const id of reattached) expect(starts.get(id), id).toHaveLength(1);

    await executor.close();
    await stopWorkers(children.splice(0));
    expect(await leftovers(queue)).toEqual([]);
    expect(await leftovers(`${queue}-runs`)).toEqual([]);
  });

  it("fails the run with failure kind infra on a hosting worker with another definition", {
    timeout: 60_000,
  }, async () => {
    const queue = "mismatch";
    const location = join(directory, "mismatch.db");
    const store = new SqliteStore({ path: location });
    stores.push(store);
    await workers(1, queue, location, "v2");
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const runId = await docs.start(initialDocsState(5), { executor, store });
    const events: PipeEvent<DocsState>[] = [];
    for await (const event of docs.observe(runId, { store, pollInterval: 50 })) events.push(event);
    expect(events.map((event) => event.type)).toEqual([EventType.STEP_ERROR, EventType.FINISH]);
    const finish = events.at(-1)!;
    if (finish.type !== EventType.FINISH) throw new Error("no FINISH");
    expect(finish.payload).toMatchObject({ status: "failed", failureKind: "infra" });
    expect(finish.payload.error).toMatch(/definition .* but the caller runs/);
    expect(await store.getRun(runId)).toMatchObject({ status: "failed", failureKind: "infra", owner: null });
    await executor.close();
  });

  it.skipIf(!postgres.ok)(
    `hosts a run in a PostgresStore and observes it by NOTIFY${postgres.reason}`,
    {
      timeout: 60_000,
    },
    async () => {
      const queue = "postgres";
      const schema = `jp_detached_${process.pid}`;
      const location = `${DATABASE_URL}#${schema}`;
      const store = await storeOf(location);
      try {
        await workers(1, queue, location);
        const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
        const runId = await docs.start(initialDocsState(20), { executor, store, persist: { tokens: "all" } });
        const events = await observeElsewhere(location, runId);
        assertRunInvariants(events);
        const finish = events.at(-1)!;
        expect(finish.type === EventType.FINISH && finish.payload.status).toBe("success");
        expect(await finalState(store, runId)).toEqual(await expectedState(20));
        await executor.close();
      } finally {
        await stopWorkers(children.splice(0));
        await store.close();
        await dropSchema(schema);
      }
    },
  );
});
