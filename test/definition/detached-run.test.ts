// pipe.start() and pipe.observe() without Redis: an executor that records what it is asked to host,
// a MemoryStore, and the host's part played by pipe.resume() in this process.
import { describe, expect, it } from "vitest";
import {
  CodecError,
  type DetachedRunRequest,
  EventType,
  isolatedExecutor,
  jsonCodec,
  MemoryStore,
  Pipe,
  type PipeEvent,
  RunNotFoundError,
  type StepExecutor,
} from "../../src/index.js";
import { assertRunInvariants } from "../helpers.js";

interface State {
  items: number[];
  doubled: Record<string, number>;
  keys: string[];
  note?: unknown;
}

function makePipe(): Pipe<State, undefined, string> {
  const pipe = new Pipe<State, undefined, string>({ name: "detached-unit" });
  const done = pipe.step("done", ({ state, idempotencyKey }) => {
    state.keys.push(`done ${idempotencyKey}`);
  });
  pipe.step("double", async function* ({ state, item, idempotencyKey }) {
    const value = item as number;
    yield `a${value}`;
    yield `b${value}`;
    state.doubled[value] = value * 2;
    state.keys.push(`double ${idempotencyKey}`);
  });
  pipe.map("fan", ({ state }) => state.items, { each: "double", to: done, maxConcurrency: 2 });
  return pipe;
}

/** An executor that only records the runs it is asked to host. */
function hostingExecutor(): StepExecutor & { requests: DetachedRunRequest[] } {
  const requests: DetachedRunRequest[] = [];
  return {
    name: "recording",
    requests,
    execute: () => {
      throw new Error("not used");
    },
    startRun: async (request) => {
      requests.push(request);
    },
  };
}

const initial = (): State => ({ items: [1, 2, 3], doubled: {}, keys: [] });

describe("pipe.start()", () => {
  it("stores the run with its state and asks the executor to host it, resolving its id", async () => {
    const pipe = makePipe();
    const store = new MemoryStore();
    const executor = hostingExecutor();
    const runId = await pipe.start(initial(), { executor, store, timeout: 5000, labels: { team: "a" } });
    expect(executor.requests).toEqual([
      {
        runId,
        pipeName: "detached-unit",
        pipeHash: pipe.hash(),
        codec: "json",
        durability: "step",
        timeout: 5000,
      },
    ]);
    const run = await store.getRun(runId);
    expect(run).toMatchObject({ status: "running", owner: null, lastSeq: 0, threadId: runId });
    expect(run?.labels).toEqual({ team: "a", detached: "true" });
    const checkpoint = await store.loadCheckpoint(runId);
    expect(jsonCodec.decode(checkpoint!.state)).toEqual(initial());
    expect(checkpoint?.frontier.ready.map((invocation) => invocation.step)).toEqual(["fan"]);
  });

  it("refuses an executor that cannot host runs, a missing store, and a state the codec refuses", async () => {
    const pipe = makePipe();
    const store = new MemoryStore();
    await expect(pipe.start(initial(), { executor: isolatedExecutor(), store })).rejects.toThrow(
      /needs an `executor` that can host runs, such as bullmqExecutor.*the 'isolated' executor/,
    );
    await expect(pipe.start(initial(), { executor: hostingExecutor() })).rejects.toThrow(/needs a `store`/);
    const executor = hostingExecutor();
    await expect(pipe.start({ ...initial(), note: () => 1 }, { executor, store })).rejects.toBeInstanceOf(
      CodecError,
    );
    expect(executor.requests).toEqual([]);
    expect(await store.listRuns()).toEqual([]);
  });

  it("is hosted in place: resuming the queued run runs it under its own id", async () => {
    const pipe = makePipe();
    const store = new MemoryStore();
    const runId = await pipe.start(initial(), {
      executor: hostingExecutor(),
      store,
      persist: { tokens: "all" },
    });
    // What a worker does with the run job (here with the isolated executor, in this process).
    const hosted: PipeEvent<State>[] = [];
    for await (const event of pipe.resume(runId, { store, durability: "step" })) hosted.push(event);
    assertRunInvariants(hosted);
    expect(hosted.every((event) => event.runId === runId)).toBe(true);
    expect(await store.listRuns({ threadId: runId })).toHaveLength(1);
    const run = await store.getRun(runId);
    expect(run).toMatchObject({ status: "success", owner: null, resumedFrom: null });
    expect(run?.labels.detached).toBe("true");
    // A finished run is not hosted again.
    await expect(async () => {
      for await (const _ of pipe.resume(runId, { store })) {
      }
    }).rejects.toThrow(/finished successfully/);
  });
});

describe("pipe.observe()", () => {
  it("yields the stored events, then the live ones, ending with FINISH, tokens one by one", async () => {
    const pipe = makePipe();
    const store = new MemoryStore();
    const runId = await pipe.start(initial(), { executor: hostingExecutor(), store });
    const observed: PipeEvent<State, string>[] = [];
    const observing = (async () => {
      for await (const event of pipe.observe(runId, { store, pollInterval: 5 })) observed.push(event);
    })();
    const hosted: PipeEvent<State>[] = [];
    for await (const event of pipe.resume(runId, { store, durability: "step" })) hosted.push(event);
    await observing;
    // Tokens are stored coalesced here: they come out one by one, in order, per invocation.
    const types = (events: readonly PipeEvent<unknown>[]) =>
      events.filter((event) => event.type !== EventType.TOKEN).map((event) => [event.type, event.seq]);
    expect(types(observed)).toEqual(types(hosted));
    const tokensOf = (events: readonly PipeEvent<unknown>[]) =>
      events
        .filter((event) => event.type === EventType.TOKEN)
        .map((event) => `${event.invocationId} ${event.payload}`);
    expect(tokensOf(observed).sort()).toEqual(tokensOf(hosted).sort());
    for (const invocation of new Set(observed.map((event) => event.invocationId))) {
      const mine = (events: readonly PipeEvent<unknown>[]) =>
        tokensOf(events.filter((event) => event.invocationId === invocation));
      expect(mine(observed)).toEqual(mine(hosted));
    }
    const finish = observed.at(-1)!;
    expect(finish.type === EventType.FINISH && finish.payload.status).toBe("success");
  });

  it("stops quietly when its signal aborts, and names an unknown run", async () => {
    const pipe = makePipe();
    const store = new MemoryStore();
    const runId = await pipe.start(initial(), { executor: hostingExecutor(), store });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const events: PipeEvent<State>[] = [];
    for await (const event of pipe.observe(runId, { store, signal: controller.signal, pollInterval: 5 }))
      events.push(event);
    expect(events).toEqual([]);
    await expect(async () => {
      for await (const _ of pipe.observe("nope", { store })) {
      }
    }).rejects.toBeInstanceOf(RunNotFoundError);
  });
});

describe("lineages with an executor", () => {
  it("derives map items' and successors' idempotency keys from their owner and parent", async () => {
    const pipe = makePipe();
    const store = new MemoryStore();
    const runId = await pipe.start(initial(), { executor: hostingExecutor(), store });
    const state = (await pipe.invoke(initial(), { executor: isolatedExecutor() })).state;
    // In an executor run the root's lineage is its id; items are "<owner>/double[i]".
    const root = state.keys
      .find((key) => key.startsWith("double"))!
      .split(" ")[1]!
      .split("/")[0];
    expect(state.keys.filter((key) => key.startsWith("double")).sort()).toEqual(
      [0, 1, 2].map((index) => `double ${root}/double[${index}]`),
    );
    expect(state.keys.at(-1)).toBe(`done ${root}>done`);
    // A hosted detached run starts from its checkpoint: its root's lineage is "start:fan".
    const hosted: string[] = [];
    for await (const event of pipe.resume(runId, { store, executor: isolatedExecutor() } as never))
      if (event.type === EventType.FINISH) hosted.push(event.payload.status);
    const checkpoint = await store.loadCheckpoint(runId);
    const final = jsonCodec.decode(checkpoint!.state) as State;
    expect(hosted).toEqual(["success"]);
    expect(final.keys.filter((key) => key.startsWith("double")).sort()).toEqual(
      [0, 1, 2].map((index) => `double ${runId}:start:fan/double[${index}]`),
    );
    expect(final.keys.at(-1)).toBe(`done ${runId}:start:fan>done`);
  });
});
