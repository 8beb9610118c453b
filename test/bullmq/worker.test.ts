// The worker protocol against a real Redis, with the worker in this process (so the test can read
// its ctx): controls, deltas, tokens and their credit window, errors, mismatches, cancellation.
import { DefinitionMismatchError, EventType, type PipeEvent, RemoteStepError, Stop, Suspend } from "justpipe";
import { type BullmqExecutor, bullmqExecutor, createWorker, type JustpipeWorker } from "justpipe/bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_URL, redisAvailable, uniquePrefix } from "../support/services.js";
import { type UnitContext, type UnitState, unitPipe } from "./fixtures/unit-pipe.js";
import { drain, dropPrefix, keysUnder, taskOf } from "./helpers.js";

const redis = await redisAvailable();
const prefix = uniquePrefix("worker");
const pipe = unitPipe();
const context: UnitContext = {
  workerId: "w1",
  produced: new Map(),
  aborts: new Map(),
  waiting: new Set(),
};
let contextBuilds = 0;
let worker: JustpipeWorker;
let executor: BullmqExecutor;

describe.skipIf(!redis.ok)(`bullmq worker and executor${redis.reason}`, () => {
  beforeAll(async () => {
    worker = createWorker({
      pipes: [pipe],
      connection: REDIS_URL,
      prefix,
      queue: "unit",
      concurrency: 8,
      context: () => {
        contextBuilds++;
        return context;
      },
    });
    await worker.ready;
    executor = bullmqExecutor({ connection: REDIS_URL, prefix, queue: "unit", tokenWindow: 20 });
  });

  afterAll(async () => {
    await executor?.close();
    await worker?.close();
    if (redis.ok) await dropPrefix(REDIS_URL, prefix);
  });

  it("brings back a jump as the step's name and the state change as a delta", async () => {
    const messages = await drain(
      executor,
      taskOf(pipe, "jump", { state: { results: {}, log: [], counter: 41 } }),
    );
    expect(messages).toEqual([
      {
        type: "result",
        control: "finish",
        delta: { operations: [{ op: "set", path: ["counter"], value: 42 }] },
        // Called by the run loop once the delta is applied: the delta joins the run's journal.
        applied: expect.any(Function),
      },
    ]);
  });

  it("brings back Suspend, Stop and a switch key as the same values", async () => {
    const [suspended] = await drain(executor, taskOf(pipe, "suspend"));
    expect(suspended).toMatchObject({ type: "result" });
    const control = (suspended as { control: unknown }).control;
    expect(control).toBeInstanceOf(Suspend);
    expect((control as Suspend).reason).toBe("needs approval");
    expect(await drain(executor, taskOf(pipe, "stop"))).toEqual([
      { type: "result", control: Stop, delta: { operations: [] } },
    ]);
    expect(await drain(executor, taskOf(pipe, "start"))).toEqual([
      { type: "result", control: "stream", delta: { operations: [] } },
    ]);
  });

  it("streams a step's tokens in order, then its result with appends", async () => {
    const messages = await drain(executor, taskOf(pipe, "stream", { item: { id: "a", count: 50 } }));
    const tokens = messages.filter((m) => m.type === "token").map((m) => (m as { value: unknown }).value);
    expect(tokens).toEqual(Array.from({ length: 50 }, (_, i) => `a:${i}`));
    expect(messages.at(-1)).toEqual({
      type: "result",
      control: undefined,
      delta: {
        operations: [
          { op: "set", path: ["results", "a"], value: 50 },
          { op: "append", path: ["log"], values: ["a"] },
        ],
      },
      applied: expect.any(Function),
    });
  });

  it("lets a worker run at most the token window ahead of a slow reader", async () => {
    const task = taskOf(pipe, "stream", { item: { id: "slow", count: 200 } });
    let read = 0;
    let worstLead = 0;
    for await (const message of executor.execute(task, new AbortController().signal)) {
      if (message.type !== "token") continue;
      read++;
      await new Promise((resolve) => setTimeout(resolve, read % 20 === 0 ? 30 : 0));
      worstLead = Math.max(worstLead, (context.produced.get(task.idempotencyKey) ?? 0) - read);
    }
    expect(read).toBe(200);
    // The window is 20: the handler is never more than 20 tokens ahead of what was read.
    expect(worstLead).toBeLessThanOrEqual(20);
    expect(worstLead).toBeGreaterThan(0);
  });

  it("brings back a handler's error with its message, name and code", async () => {
    const [message] = await drain(executor, taskOf(pipe, "fail"));
    const error = (message as { error: RemoteStepError }).error;
    expect(error).toBeInstanceOf(RemoteStepError);
    expect(error.message).toBe("bad input");
    expect(error.remoteName).toBe("TypeError");
    expect(error.remoteCode).toBe("E_BAD");
    expect(error.remoteStack).toMatch(/unit-pipe/);
  });

  it("fails a step of another definition of the pipe with a definition mismatch (infra)", async () => {
    const changed = unitPipe("changed");
    const [message] = await drain(executor, taskOf(changed, "whoami"));
    const error = (message as { error: DefinitionMismatchError }).error;
    expect(error).toBeInstanceOf(DefinitionMismatchError);
    expect(error.failureKind).toBe("infra");
    expect(error.message).toContain(`definition ${pipe.hash()}, but the caller runs ${changed.hash()}`);
  });

  it("builds ctx once per worker and never ships it", async () => {
    for (let i = 0; i < 3; i++) {
      const [message] = await drain(executor, taskOf(pipe, "whoami"));
      expect(message).toMatchObject({
        delta: { operations: [{ path: ["results", "worker"], value: "w1" }] },
      });
    }
    expect(contextBuilds).toBe(1);
  });

  it("aborts the remote handler's signal when the caller's task is aborted, and ends at once", async () => {
    const task = taskOf(pipe, "wait");
    const controller = new AbortController();
    const messages = drain(executor, task, controller.signal);
    // Once the handler runs (a cancellation that arrives before it starts means it never runs).
    while (!context.waiting!.has(task.idempotencyKey)) await sleep(10);
    controller.abort(new Error("run cancelled"));
    const [message] = await messages;
    expect(message).toMatchObject({ type: "error" });
    while (!context.aborts.has(task.idempotencyKey)) await sleep(10);
    expect(context.aborts.get(task.idempotencyKey)).toBe("run cancelled");
  });

  it("keeps retries justpipe's: one job per attempt, attempt and retries as in process", async () => {
    const dispatched = executor.stats.dispatched;
    const state = { results: {}, log: [] as string[], counter: 0 };
    const events: PipeEvent<UnitState>[] = [];
    for await (const event of pipe.run(state, { executor, start: "flaky", context })) events.push(event);
    const end = events.at(-1)!;
    expect(end.type === EventType.FINISH && end.payload.status).toBe("success");
    expect(end.type === EventType.FINISH && end.payload.metrics?.retries).toBe(1);
    expect(end.type === EventType.FINISH && end.payload.metrics?.infraRetries).toBe(0);
    const errors = events.filter((e) => e.type === EventType.STEP_ERROR);
    expect(errors.map((e) => [e.attempt, (e.payload as { retrying: boolean }).retrying])).toEqual([
      [1, true],
    ]);
    expect(state.counter).toBe(2);
    expect(executor.stats.dispatched - dispatched).toBe(2);
  });

  it("shows a remote step what ran before it: deltas of remote steps, changes of local ones", async () => {
    const mixed = bullmqExecutor({
      connection: REDIS_URL,
      prefix,
      queue: "unit",
      steps: ["remote1", "remote2", "remote3"],
    });
    const state = { results: {} as Record<string, unknown>, log: [] as string[], counter: 0 };
    const events: PipeEvent<UnitState>[] = [];
    for await (const event of pipe.run(state, { executor: mixed, start: "local1", context }))
      events.push(event);
    await mixed.close();
    const end = events.at(-1)!;
    expect(end.type === EventType.FINISH && end.payload.status).toBe("success");
    // remote2 read remote1's delta (from the journal); remote3 read local2's change (a new snapshot).
    expect(state.results).toEqual({ first: 11, second: "saw 11", third: 21 });
    expect(mixed.stats.dispatched).toBe(3);
  });

  it("carries the meta a remote handler writes back to the caller's events", async () => {
    const events: PipeEvent<UnitState>[] = [];
    const state = { results: {}, log: [] as string[], counter: 0 };
    for await (const event of pipe.run(state, { executor, start: "tagged", context })) events.push(event);
    const end = events.find((e) => e.type === EventType.STEP_END && e.stage === "tagged")!;
    expect(end.meta).toMatchObject({
      data: { model: "m1" },
      tags: ["remote"],
      metrics: { latency: [5] },
      counters: { calls: 2 },
      framework: { status: "success" },
    });
    const finish = events.at(-1)!;
    expect(finish.type === EventType.FINISH && finish.meta).toEqual({
      data: { owner: "read back: m1" },
      counters: { items: 1 },
    });
    expect(state.counter).toBe(1);

    const failed: PipeEvent<UnitState>[] = [];
    for await (const event of pipe.run(state, { executor, start: "taggedThenFails", context }))
      failed.push(event);
    const error = failed.find((e) => e.type === EventType.STEP_ERROR)!;
    expect(error.meta).toMatchObject({ data: { stage: "before the failure" } });
  });

  it("removes a job no worker has taken when its task is aborted, leaving no keys", async () => {
    const lonely = bullmqExecutor({ connection: REDIS_URL, prefix, queue: "nobody" });
    const controller = new AbortController();
    const task = taskOf(pipe, "whoami", { runId: "lonely" });
    const messages = drain(lonely, task, controller.signal);
    while ((await lonely.queue.getJobCounts("wait")).wait === 0) await sleep(10);
    controller.abort(new Error("run timed out"));
    expect(await messages).toEqual([{ type: "error", error: new Error("run timed out") }]);
    const counts = await lonely.queue.getJobCounts("wait", "active", "delayed", "completed", "failed");
    expect(counts).toEqual({ wait: 0, active: 0, delayed: 0, completed: 0, failed: 0 });
    await lonely.close();
    // BullMQ keeps the queue's own bookkeeping (meta, id counter, events, marker); no job or stream is left.
    const left = await keysUnder(REDIS_URL, `${prefix}:nobody`);
    expect(left.filter((key) => !/:(meta|id|events|marker)$/.test(key))).toEqual([]);
  });
});

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
