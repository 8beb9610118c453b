// The scale-out acceptance tests with real worker processes on the real Redis: a worker SIGKILLed
// mid-map loses nothing, a changed definition fails as infra, a run timeout with no worker leaves
// no job behind, and a cancellation reaches the remote handler. Faults are chosen by event count,
// never by time; time limits are only hang detectors.
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Queue } from "bullmq";
import { DefinitionMismatchError, EventType, type PipeEvent } from "justpipe";
import { bullmqExecutor } from "justpipe/bullmq";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { finishOf } from "../helpers.js";
import { REDIS_URL, redisAvailable, uniquePrefix } from "../support/services.js";
import { checkDocsRun, type LogEntry, parseLog } from "./docs-checks.js";
import { type DocsContext, type DocsState, docs, initialDocsState } from "./fixtures/docs-pipe.js";
import { dropPrefix, keysUnder } from "./helpers.js";
import { startWorker, stopWorkers } from "./processes.js";

const redis = await redisAvailable();
const prefix = uniquePrefix("scale");
const logDir = mkdtempSync(join(tmpdir(), "jp-scale-"));
const children: ChildProcess[] = [];
/** The caller's own steps never log (only `embed`, which runs in workers, does). */
const callerContext: DocsContext = { log: () => {} };

function readLogs(): LogEntry[] {
  return readdirSync(logDir).flatMap((file) => parseLog(readFileSync(join(logDir, file), "utf8")));
}

async function workers(count: number, queue: string, variant = ""): Promise<ChildProcess[]> {
  const started = await Promise.all(
    Array.from({ length: count }, () =>
      startWorker({ REDIS_URL, JP_PREFIX: prefix, JP_QUEUE: queue, JP_LOG_DIR: logDir, JP_VARIANT: variant }),
    ),
  );
  children.push(...started);
  return started;
}

/** Only BullMQ's own bookkeeping may stay: no job, no stream, no lock. */
async function leftovers(queue: string): Promise<string[]> {
  return (await keysUnder(REDIS_URL, `${prefix}:${queue}`)).filter(
    (key) => !/:(meta|id|events|marker|stalled-check)$/.test(key),
  );
}

describe.skipIf(!redis.ok)(`scale-out on worker processes${redis.reason}`, () => {
  afterEach(async () => {
    await stopWorkers(children.splice(0));
  });
  afterAll(async () => {
    rmSync(logDir, { recursive: true, force: true });
    if (redis.ok) await dropPrefix(REDIS_URL, prefix);
  });

  // Time limits are hang detectors only: recovery takes up to the workers' lockDuration (15 s) plus
  // stalledInterval, and this machine may be loaded many times over its cores.
  it("runs 2,000 map items on three workers, one SIGKILLed mid-map, losing nothing", {
    timeout: 300_000,
  }, async () => {
    const queue = "kill";
    const pool = await workers(3, queue);
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const state = initialDocsState(2000);
    const events: PipeEvent<DocsState>[] = [];
    let killed: { pid: number; inFlight: Set<string> } | undefined;
    for await (const event of docs.run(state, { executor, context: callerContext, timeout: 280_000 })) {
      events.push(event);
      // After 600 map events, at the first one where a worker is running items: kill the busiest.
      if (killed === undefined && event.type === EventType.MAP_WORKER && event.payload.index >= 600) {
        const victim = killBusiest(pool);
        if (victim !== undefined) {
          // Once it is dead its log is complete and its jobs cannot complete any more.
          if (victim.exitCode === null && victim.signalCode === null)
            await new Promise((resolve) => victim.once("exit", resolve));
          const pid = victim.pid!;
          killed = { pid, inFlight: await inFlightJobsOf(executor.queue, pid) };
        }
      }
    }
    const counts = await settledCounts(executor.queue);
    // Every task's clean-up ran (no listener, channel or stream user left behind).
    expect(executor.stats.outstanding).toBe(0);
    // Jobs carried a reference to the state, not the state: a handful of snapshots for 2,000+ jobs
    // (a new one when the deltas since the last outweigh it).
    expect(executor.stats.dispatched).toBeGreaterThan(2000);
    expect(executor.stats.snapshots).toBeLessThan(20);
    await executor.close();
    expect(killed).toBeDefined();
    const repeated = checkDocsRun(events, state, 2000);

    const log = readLogs();
    const starts = new Map<string, LogEntry[]>();
    for (const entry of log.filter((e) => e.phase === "start"))
      starts.set(entry.id, [...(starts.get(entry.id) ?? []), entry]);
    const reExecuted = [...starts].filter(([, list]) => list.length > 1).map(([id]) => id);
    // Only invocations in flight on the killed worker ran again, at most its concurrency (8).
    const killedInFlight = killed!.inFlight;
    expect(reExecuted.length).toBeGreaterThan(0);
    expect(reExecuted.length).toBeLessThanOrEqual(8);
    const unexplained = [...new Set([...reExecuted, ...repeated])].filter((id) => !killedInFlight.has(id));
    const details = unexplained.map((id) => ({
      log: log.filter((e) => e.id === id),
      tokens: events.filter((e) => e.type === EventType.TOKEN && String(e.payload).startsWith(`${id}:`))
        .length,
    }));
    expect(
      unexplained,
      JSON.stringify({ killed: { ...killed, inFlight: [...killedInFlight] }, details }),
    ).toEqual([]);
    // Each re-execution was the same attempt with the same idempotency key.
    for (const id of reExecuted) expect(new Set(starts.get(id)!.map((e) => e.key)).size).toBe(1);
    // Every job the killed worker held ran again once and was counted (some had not reached the
    // handler yet). Not counted can only be one whose handler had ended on the killed worker, whose
    // result may have reached the caller before the job completed in BullMQ.
    const unfinished = reExecuted.filter(
      (id) => !log.some((e) => e.id === id && e.pid === killed!.pid && e.phase === "done"),
    );
    expect(executor.stats.infraRetries).toBeGreaterThanOrEqual(unfinished.length);
    expect(executor.stats.infraRetries).toBeLessThanOrEqual(8);
    const finish = finishOf(events);
    expect(finish.metrics?.infraRetries).toBe(executor.stats.infraRetries);
    expect(finish.metrics?.retries).toBe(0);

    expect(counts).toEqual({ wait: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    expect(await leftovers(queue)).toEqual([]);
  });

  it("fails a step on a worker with a changed definition as an infra failure", {
    timeout: 120_000,
  }, async () => {
    const queue = "changed";
    await workers(1, queue, "v2");
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const events: PipeEvent<DocsState>[] = [];
    for await (const event of docs.run(initialDocsState(5), {
      executor,
      context: callerContext,
      timeout: 100_000,
    })) {
      events.push(event);
    }
    await executor.close();
    const end = finishOf(events);
    expect(end.status).toBe("failed");
    expect(end.failureKind).toBe("infra");
    expect(end.failedStep).toBe("load");
    const error = events.find((e) => e.type === EventType.STEP_ERROR)!.payload as { error: unknown };
    expect(error.error).toBeInstanceOf(DefinitionMismatchError);
    expect(end.error).toMatch(/caller runs [0-9a-f]{16}\. Deploy the same version/);
  });

  it("times a run out with no worker running, leaving no job behind", { timeout: 30_000 }, async () => {
    const queue = "empty";
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const events: PipeEvent<DocsState>[] = [];
    for await (const event of docs.run(initialDocsState(5), {
      executor,
      context: callerContext,
      timeout: 300,
    })) {
      events.push(event);
    }
    await executor.close();
    expect(finishOf(events).status).toBe("timeout");
    expect(events.filter((e) => e.type === EventType.CANCELLED).map((e) => e.stage)).toEqual(["load"]);
    // The job of 'load' was removed: no wait list, no job hash, no stream.
    expect(await leftovers(queue)).toEqual([]);
  });

  // The items sleep 1 s here, so the cancellation surely finds some in flight on a loaded machine.
  it("aborts the remote handlers' signals when the run is cancelled", { timeout: 120_000 }, async () => {
    const queue = "cancel";
    const [worker] = await workers(1, queue);
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const controller = new AbortController();
    const events: PipeEvent<DocsState>[] = [];
    const state: DocsState = { ...initialDocsState(400), itemDelay: 1000 };
    for await (const event of docs.run(state, {
      executor,
      context: callerContext,
      signal: controller.signal,
    })) {
      events.push(event);
      // After 20 map events, cancel at the first one where the worker is running an item.
      const running = () => inFlightOf(readLogs(), worker!.pid!).size > 0;
      if (
        !controller.signal.aborted &&
        event.type === EventType.MAP_WORKER &&
        event.payload.index >= 20 &&
        running()
      ) {
        controller.abort(new Error("user cancelled"));
      }
    }
    expect(finishOf(events).status).toBe("cancelled");
    await executor.close();
    // The handlers that were sleeping saw their signal abort (in the worker process).
    let aborted: LogEntry[] = [];
    for (let wait = 0; wait < 600 && aborted.length === 0; wait++) {
      aborted = readLogs().filter((e) => e.phase === "aborted");
      if (aborted.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(aborted.length).toBeGreaterThan(0);
    expect(Object.keys(state.results).length).toBeLessThan(400);
  });

  it("aborts the remote handlers' signals when the consumer leaves the loop (client close)", {
    timeout: 120_000,
  }, async () => {
    const queue = "close";
    const [worker] = await workers(1, queue);
    const executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue });
    const before = readLogs().filter((e) => e.phase === "aborted").length;
    const state: DocsState = { ...initialDocsState(400), itemDelay: 1000 };
    for await (const event of docs.run(state, { executor, context: callerContext })) {
      // After 20 map events, leave at the first one where the worker is running an item.
      if (
        event.type === EventType.MAP_WORKER &&
        event.payload.index >= 20 &&
        inFlightOf(readLogs(), worker!.pid!).size > 0
      )
        break;
    }
    // The tasks' clean-up (a cancel message each) finishes just after the loop: nothing leaks.
    for (let wait = 0; wait < 400 && executor.stats.outstanding > 0; wait++)
      await new Promise((r) => setTimeout(r, 50));
    expect(executor.stats.outstanding).toBe(0);
    await executor.close();
    let aborted = 0;
    for (let wait = 0; wait < 600 && aborted === 0; wait++) {
      aborted = readLogs().filter((e) => e.phase === "aborted").length - before;
      if (aborted === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(aborted).toBeGreaterThan(0);
  });
});

/**
 * The queue's job counts once the workers have finished their last jobs (a worker completes a job
 * just after sending its result, so `active` may lag the run's end by a moment).
 */
async function settledCounts(queue: Queue): Promise<Record<string, number>> {
  for (let attempt = 0; ; attempt++) {
    const counts = await queue.getJobCounts("wait", "active", "delayed", "completed", "failed");
    if (counts.active === 0 || attempt === 50) return counts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The items in flight on a worker that was just killed: started there (its log is complete, it is
 * dead) and whose job had not completed (BullMQ still lists it active). A handler that logged "done"
 * but died before its job completed is in flight too: its job runs again.
 */
async function inFlightJobsOf(queue: Queue, pid: number): Promise<Set<string>> {
  const active = new Set((await queue.getActive()).map((job) => job.data.idempotencyKey as string));
  const inFlight = new Set<string>();
  for (const entry of readLogs())
    if (entry.pid === pid && entry.phase === "start" && active.has(entry.key)) inFlight.add(entry.id);
  return inFlight;
}

/** SIGKILLs the worker with the most items started and not done, if one has any; returns it. */
function killBusiest(pool: readonly ChildProcess[]): ChildProcess | undefined {
  const log = readLogs();
  let busiest = pool[0]!;
  let most = -1;
  for (const child of pool) {
    const inFlight = inFlightOf(log, child.pid!).size;
    if (inFlight > most) {
      most = inFlight;
      busiest = child;
    }
  }
  if (most === 0) return undefined;
  busiest.kill("SIGKILL");
  return busiest;
}

/** Items a worker process started and did not finish. */
function inFlightOf(log: readonly LogEntry[], pid: number): Set<string> {
  const open = new Set<string>();
  for (const entry of log) {
    if (entry.pid !== pid) continue;
    if (entry.phase === "start") open.add(entry.id);
    else open.delete(entry.id);
  }
  return open;
}
