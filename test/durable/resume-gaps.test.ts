// Issue 14, regressions of durable runs found after the first version: a crashed run's record is
// ended by its resume (gap 1); a retry waiting for its backoff is in the checkpoint (gap 2); under
// durability "sync" a map's workers wait for the commit (gap 3); a sub-pipeline's child run is
// resumed where it was (gap 4); invoke() takes the durable options (gap 5).
import { describe, expect, it } from "vitest";
import { EventType, MemoryStore, Pipe, type PipeEvent, Suspend } from "../../src/index.js";
import { SimulatedClock } from "../../src/testing/index.js";
import { dyingView } from "./support/dying-store.js";

async function drain<S>(stream: AsyncIterable<PipeEvent<S>>): Promise<PipeEvent<S>[]> {
  const events: PipeEvent<S>[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
const finish = (events: PipeEvent<unknown>[]) => {
  const last = events.at(-1)!;
  if (last.type !== EventType.FINISH) throw new Error("no FINISH");
  return last.payload;
};
const started = (events: PipeEvent<unknown>[]) =>
  events
    .filter((event) => event.type === EventType.STEP_START && event.parentRunId === null)
    .map((event) => event.stage);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE = 30;

/**
 * Runs `start(signal)` until `killAt(event)` is true, then the process "dies": its store view goes
 * dead and the stream is abandoned (its steps are cancelled so they do nothing more here).
 */
async function runUntil<S>(
  start: (signal: AbortSignal) => AsyncIterable<PipeEvent<S>>,
  kill: () => void,
  killAt: (event: PipeEvent<S>) => boolean | Promise<boolean>,
): Promise<string> {
  const controller = new AbortController();
  const events = start(controller.signal)[Symbol.asyncIterator]();
  let runId = "";
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error("the run ended before the kill");
    runId ||= next.value.runId;
    if (await killAt(next.value)) break;
  }
  kill();
  controller.abort();
  await pause(LEASE * 2); // its lease expires
  return runId;
}

describe("a resumed crashed run", () => {
  it("ends the crashed segment's record (failed, infra, naming its successor); the new one succeeds", async () => {
    const store = new MemoryStore();
    const { view, kill } = dyingView(store);
    let hang = true;
    const pipe = new Pipe<{ log: string[] }>({ name: "crash" });
    pipe.step("b", async ({ state }) => {
      if (hang) await new Promise(() => {});
      state.log.push("b");
    });
    pipe.step("a", ({ state }) => void state.log.push("a"), { to: "b" });
    // "sync": b starts after the checkpoint with a's end is committed.
    const runId = await runUntil(
      (signal) => pipe.run({ log: [] }, { store: view, durability: "sync", leaseTtl: LEASE, signal }),
      kill,
      (event) => event.type === EventType.STEP_START && event.stage === "b",
    );
    expect((await store.getRun(runId))?.status).toBe("running");
    hang = false;
    const second = await drain(pipe.resume(runId, { store }));
    expect(finish(second).status).toBe("success");
    expect(started(second)).toEqual(["b"]);
    const newId = second[0]!.runId;
    expect(await store.getRun(runId)).toMatchObject({
      status: "failed",
      failureKind: "infra",
      owner: null,
      leaseUntil: null,
      error: expect.stringContaining(`resumed as '${newId}'`),
    });
    expect(await store.getRun(newId)).toMatchObject({ status: "success", resumedFrom: runId, owner: null });
    await expect(drain(pipe.resume(runId, { store, retryFailed: true }))).rejects.toThrow(
      /already resumed as/,
    );
  });
});

describe("a retry waiting for its backoff when the process died", () => {
  it("is in the checkpoint with its attempt and remaining backoff, and runs after it on resume", async () => {
    const store = new MemoryStore();
    const { view, kill } = dyingView(store);
    const clock = new SimulatedClock();
    const pipe = new Pipe<{ log: string[] }>({ name: "retry", clock });
    pipe.step("after", ({ state }) => void state.log.push("after"));
    pipe.step(
      "flaky",
      ({ state, attempt }) => {
        state.log.push(`flaky#${attempt}`);
        if (attempt === 1) throw new Error("503");
      },
      { to: "after", retries: { attempts: 2, minDelay: 5000, maxDelay: 5000, jitter: false } },
    );
    const runId = await runUntil(
      (signal) => pipe.run({ log: [] }, { store: view, durability: "step", leaseTtl: LEASE, signal }),
      kill,
      async (event) => {
        if (event.type !== EventType.STEP_ERROR) return false;
        await clock.advance(1000); // 4 s of the backoff left
        await pause(150); // the batch with the step's error (and its checkpoint) is written
        return true;
      },
    );
    const retrying = (await store.loadCheckpoint(runId))?.frontier.retrying;
    expect(retrying).toEqual([expect.objectContaining({ step: "flaky", attempt: 2 })]);
    // 5 s of backoff, or 4 s when the batch was written after the clock moved on by 1 s.
    const remaining = retrying![0]!.remainingMs;
    expect([4000, 5000]).toContain(remaining);
    const resumed = drain(pipe.resume(runId, { store }));
    while (clock.pendingTimers === 0) await pause(5);
    expect(clock.nextTimerAt()).toBe(clock.now() + remaining);
    await clock.advance(remaining - 1);
    await pause(20);
    expect(clock.pendingTimers).toBe(1); // not yet
    await clock.advance(1);
    const events = await resumed;
    expect(finish(events).status).toBe("success");
    expect(started(events)).toEqual(["flaky", "after"]);
    expect(events.find((event) => event.type === EventType.STEP_START)?.attempt).toBe(2);
    const state = events.find((event) => event.type === EventType.START)!.payload as { log: string[] };
    expect(state.log).toEqual(["flaky#1", "flaky#2", "after"]);
  });

  it("a run that stops while a retry waits keeps it in its exit checkpoint", async () => {
    const store = new MemoryStore();
    const clock = new SimulatedClock();
    const pipe = new Pipe<{ log: string[]; ok?: boolean }>({ name: "retry-exit", clock, store });
    pipe.step(
      "flaky",
      ({ state, attempt }) => {
        state.log.push(`flaky#${attempt}`);
        if (attempt === 1) throw new Error("503");
      },
      { retries: { attempts: 2, minDelay: 1000, maxDelay: 1000, jitter: false } },
    );
    pipe.step("hold", ({ state }) => (state.ok ? undefined : new Suspend({ reason: "wait" })));
    pipe.step("start", () => {}, { to: ["flaky", "hold"] });
    const first = await drain(pipe.run({ log: [] }));
    expect(finish(first).status).toBe("suspended");
    const runId = first[0]!.runId;
    expect((await store.loadCheckpoint(runId))?.frontier.retrying).toEqual([
      expect.objectContaining({ step: "flaky", attempt: 2 }),
    ]);
    const resumed = drain(pipe.resume(runId, { input: { ok: true } }));
    while (clock.pendingTimers === 0) await pause(5);
    await clock.advance(1000);
    const events = await resumed;
    expect(finish(events).status).toBe("success");
    const state = events.find((event) => event.type === EventType.START)!.payload as { log: string[] };
    expect(state.log).toEqual(["flaky#1", "flaky#2"]);
  });
});

describe('durability "sync" and maps', () => {
  it("a map worker starts only after a commit that holds its item and every item that ended before", async () => {
    const store = new MemoryStore();
    const ended = new Set<number>();
    const problems: string[] = [];
    const pipe = new Pipe<{ out: Record<string, number> }>({ name: "sync-map", store, durability: "sync" });
    pipe.step("work", async ({ state, item }) => {
      const index = item as number;
      const endedBefore = [...ended];
      const map = (await store.loadCheckpoint("sync-map-run"))?.frontier.maps[0];
      if (map === undefined || map.nextIndex <= index)
        problems.push(`item ${index} started before it was stored`);
      else {
        const running = new Set(map.inFlight.map((entry) => entry.index));
        for (const done of endedBefore)
          if (running.has(done) || done >= map.nextIndex)
            problems.push(`item ${index} started before the end of item ${done} was stored`);
      }
      await pause(1);
      state.out[String(index)] = index;
      ended.add(index);
    });
    pipe.map("items", () => Array.from({ length: 12 }, (_, index) => index), {
      each: "work",
      maxConcurrency: 3,
    });
    const end = finish(await drain(pipe.run({ out: {} }, { runId: "sync-map-run" })));
    expect(end.status).toBe("success");
    expect(problems).toEqual([]);
  });
});

describe("a sub-pipeline's child run on resume", () => {
  interface Child {
    x?: number;
    y?: number;
  }
  function pipes(hang: { value: boolean }, calls: string[]) {
    const child = new Pipe<Child>({ name: "kid" });
    child.step("c2", async ({ state }) => {
      calls.push("c2");
      if (hang.value) await new Promise(() => {});
      state.y = state.x! + 1;
    });
    child.step(
      "c1",
      ({ state }) => {
        calls.push("c1");
        state.x = 41;
      },
      { to: "c2" },
    );
    const parent = new Pipe<{ kid: Child; done?: boolean }>({ name: "parent" });
    parent.step("after", ({ state }) => {
      calls.push("after");
      state.done = true;
    });
    parent.sub("nest", ({ state }) => state.kid, { pipeline: child, to: "after" });
    return parent;
  }

  it("continues the child where the process died: its ended steps do not run again", async () => {
    const store = new MemoryStore();
    const { view, kill } = dyingView(store);
    const hang = { value: true };
    const calls: string[] = [];
    const pipe = pipes(hang, calls);
    const runId = await runUntil(
      (signal) => pipe.run({ kid: {} }, { store: view, durability: "step", leaseTtl: LEASE, signal }),
      kill,
      async (event) => {
        if (event.type !== EventType.STEP_START || event.stage !== "nest:c2") return false;
        await pause(150); // the batch with c1's end is written
        return true;
      },
    );
    expect(calls).toEqual(["c1", "c2"]);
    const subs = (await store.loadCheckpoint(runId))?.frontier.subs;
    expect(Object.values(subs ?? {})).toEqual([
      expect.objectContaining({
        pipeName: "kid",
        frontier: expect.objectContaining({ inFlight: [expect.objectContaining({ step: "c2" })] }),
      }),
    ]);
    hang.value = false;
    calls.length = 0;
    const events = await drain(pipe.resume(runId, { store }));
    expect(finish(events).status).toBe("success");
    expect(calls).toEqual(["c2", "after"]);
    const state = events.find((event) => event.type === EventType.START)!.payload as {
      kid: Child;
      done?: boolean;
    };
    expect(state).toEqual({ kid: { x: 41, y: 42 }, done: true });
  });

  it("a child run that suspended continues after its suspended step; then the sub step's successors run", async () => {
    const store = new MemoryStore();
    const calls: string[] = [];
    const child = new Pipe<{ ok?: boolean; log: string[] }>({ name: "review" });
    child.step("publish", ({ state }) => {
      calls.push("publish");
      state.log.push("publish");
    });
    child.step(
      "approve",
      ({ state }) => {
        calls.push("approve");
        if (!state.ok) return new Suspend({ reason: "a human must approve" });
      },
      { to: "publish" },
    );
    const parent = new Pipe<{ review: { ok?: boolean; log: string[] }; done?: boolean }>({
      name: "outer",
      store,
    });
    parent.step("after", ({ state }) => {
      calls.push("after");
      state.done = true;
    });
    parent.sub("check", ({ state }) => state.review, { pipeline: child, to: "after" });
    const first = await drain(parent.run({ review: { log: [] } }));
    expect(finish(first).status).toBe("suspended");
    calls.length = 0;
    const second = await drain(
      parent.resume(first[0]!.runId, {
        input: (state) => {
          state.review.ok = true;
        },
      }),
    );
    expect(finish(second).status).toBe("success");
    expect(calls).toEqual(["publish", "after"]);
    const state = second.find((event) => event.type === EventType.START)!.payload;
    expect(state).toEqual({ review: { ok: true, log: ["publish"] }, done: true });
  });
});

describe("invoke() with the durable options", () => {
  it("stores the run under the given id", async () => {
    const store = new MemoryStore();
    const pipe = new Pipe<{ n: number }>({ name: "inv" });
    pipe.step("a", ({ state }) => void state.n++);
    const { end } = await pipe.invoke({ n: 0 }, { store, runId: "inv-1", labels: { by: "test" } });
    expect(end.status).toBe("success");
    expect(await store.getRun("inv-1")).toMatchObject({ status: "success", labels: { by: "test" } });
  });
});
