import { describe, expect, it } from "vitest";
import { EventType, Pipe, SimulatedClock } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf, trace } from "../helpers.js";
import { drive, sleepOn } from "../resilience/support.js";

describe("map", () => {
  it("runs the worker once per item, then `to` once after every worker", async () => {
    const pipe = new Pipe<{ results: string[]; merged?: string }>();
    pipe.map("fan", () => ["apple", "banana", "cherry"], { each: "work", to: "merge" });
    pipe.step<string>("work", async ({ item, state }) => {
      await new Promise((r) => setTimeout(r, item.length));
      state.results.push(item.toUpperCase());
    });
    pipe.step("merge", ({ state }) => {
      state.merged = [...state.results].sort().join(",");
    });
    const state = { results: [] as string[] } as { results: string[]; merged?: string };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.merged).toBe("APPLE,BANANA,CHERRY");
    const t = trace(events);
    expect(t.filter((x) => x === "step_start:merge")).toHaveLength(1);
    expect(t.indexOf("map_complete:fan")).toBeGreaterThan(t.lastIndexOf("step_end:work"));
    expect(t.indexOf("step_end:fan")).toBe(t.indexOf("map_complete:fan") + 1);
    expect(t.indexOf("step_start:merge")).toBeGreaterThan(t.indexOf("step_end:fan"));
  });

  it("emits MAP_START with the count, MAP_WORKER per spawn, MAP_COMPLETE, with worker lineage", async () => {
    const pipe = new Pipe();
    pipe.map("fan", () => [10, 20], { each: "work" });
    pipe.step("work", () => {});
    const events = await collect(pipe.run(undefined));
    const mapStart = events.find((e) => e.type === EventType.MAP_START)!;
    const fanStart = events.find((e) => e.type === EventType.STEP_START && e.stage === "fan")!;
    expect(mapStart.payload).toEqual({ target: "work", itemCount: 2 });
    expect(mapStart.invocationId).toBe(fanStart.invocationId);
    const workers = events.filter((e) => e.type === EventType.MAP_WORKER).map((e) => e.payload);
    expect(workers).toEqual([
      { index: 0, target: "work", owner: "fan" },
      { index: 1, target: "work", owner: "fan" },
    ]);
    const workerStarts = events.filter((e) => e.type === EventType.STEP_START && e.stage === "work");
    expect(workerStarts.map((e) => e.scope)).toEqual([["work[0]"], ["work[1]"]]);
    for (const w of workerStarts) {
      expect(w.parentInvocationId).toBe(fanStart.invocationId);
      expect(w.ownerInvocationId).toBe(fanStart.invocationId);
      expect(w.attempt).toBe(1);
    }
    const complete = events.find((e) => e.type === EventType.MAP_COMPLETE)!;
    expect(complete.payload).toEqual({ target: "work", itemCount: 2 });
  });

  it("passes each item to its worker, typed through the generics", async () => {
    const pipe = new Pipe<{ total: number }>();
    pipe.map("fan", () => new Set([1, 2, 3]), { each: "add" });
    pipe.step<number>("add", ({ item, state }) => {
      state.total += item * 10;
    });
    const state = { total: 0 };
    await collect(pipe.run(state));
    expect(state.total).toBe(60);
  });

  it("pulls lazily from an async generator, never more than maxConcurrency at once", async () => {
    let pulled = 0;
    let active = 0;
    let peak = 0;
    const pipe = new Pipe();
    pipe.map(
      "fan",
      async function* () {
        for (let i = 0; i < 40; i++) {
          pulled++;
          yield i;
        }
      },
      { each: "work", maxConcurrency: 3 },
    );
    let started = 0;
    pipe.step("work", async () => {
      started++;
      active++;
      peak = Math.max(peak, active);
      // Lazy: the source has yielded exactly the items handed to workers so far, none read ahead.
      expect(pulled).toBe(started);
      await new Promise((r) => setImmediate(r));
      active--;
    });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(peak).toBe(3);
    expect(events.find((e) => e.type === EventType.MAP_START)!.payload).toEqual({ target: "work" });
    expect(events.find((e) => e.type === EventType.MAP_COMPLETE)!.payload).toEqual({
      target: "work",
      itemCount: 40,
    });
  });

  it("without a limit, runs every item concurrently", async () => {
    let active = 0;
    let peak = 0;
    const pipe = new Pipe();
    pipe.map("fan", () => Array.from({ length: 25 }, (_, i) => i), { each: "work" });
    pipe.step("work", async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 2));
      active--;
    });
    await collect(pipe.run(undefined));
    expect(peak).toBe(25);
  });

  it("completes an empty map at once and runs its successors", async () => {
    const pipe = new Pipe();
    pipe.map("fan", () => [], { each: "work", to: "after" });
    pipe.step("work", () => {});
    pipe.step("after", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events)).toEqual([
      "start:system",
      "step_start:fan",
      "map_start:fan",
      "map_complete:fan",
      "step_end:fan",
      "step_start:after",
      "step_end:after",
      "finish:system",
    ]);
    expect(events.find((e) => e.type === EventType.MAP_COMPLETE)!.payload).toEqual({
      target: "work",
      itemCount: 0,
    });
  });

  it("fails a map that returns something that is not iterable, naming it", async () => {
    const pipe = new Pipe();
    pipe.map("fan", () => 42 as never, { each: "work" });
    pipe.step("work", () => {});
    const end = finishOf(await collect(pipe.run(undefined)));
    expect(end).toMatchObject({ status: "failed", failedStep: "fan" });
    expect(end.error).toMatch(
      /Map step 'fan' must return an Iterable or AsyncIterable.*returned `42` \(number\)/,
    );
  });

  it("fails fast on an unhandled worker error: no new workers, owner closed after its children", async () => {
    const clock = new SimulatedClock();
    const started: number[] = [];
    const pipe = new Pipe({ clock });
    pipe.map("fan", () => Array.from({ length: 100 }, (_, i) => i), {
      each: "work",
      maxConcurrency: 2,
      to: "after",
    });
    pipe.step<number>("work", async ({ item, signal }) => {
      started.push(item);
      await sleepOn(clock, 10 * (item + 1), signal);
      if (item === 3) throw new Error("item 3 broke");
    });
    pipe.step("after", () => {});
    const { events } = await drive(clock, pipe.run(undefined));
    // Items 0 and 1 end at 10 and 20 ms, 2 and 3 take their places; 3 fails at 60 ms while 4 runs.
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(trace(events, ["step_start"])).not.toContain("step_start:after");
    const t = trace(events);
    expect(t.lastIndexOf("cancelled:fan")).toBeGreaterThan(t.lastIndexOf("step_error:work"));
    expect(finishOf(events)).toMatchObject({ status: "failed", failedStep: "work", error: "item 3 broke" });
  });

  it("keeps the heap flat over 200,000 items pulled from an async generator (maxConcurrency 16)", async () => {
    const pipe = new Pipe<{ sum: number }>({ queueSize: 64 });
    pipe.map(
      "fan",
      async function* () {
        for (let i = 0; i < 200_000; i++) yield i;
      },
      { each: "work", maxConcurrency: 16 },
    );
    pipe.step<number>("work", async ({ item, state }) => {
      state.sum += item;
    });
    globalThis.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    let seen = 0;
    const state = { sum: 0 };
    for await (const event of pipe.run(state)) {
      if (++seen % 5_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      if (event.type === EventType.FINISH)
        expect(event.payload.metrics?.maps.peakWorkers).toBeLessThanOrEqual(16);
    }
    expect(state.sum).toBe((200_000 * 199_999) / 2);
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});

describe("map under Stop", () => {
  it("completes a map whose items all ran, though another branch stopped the run", async () => {
    const { Stop } = await import("../../src/index.js");
    const pipe = new Pipe();
    pipe.step("root", () => {}, { to: ["fan", "stopper"] });
    pipe.map("fan", () => [1, 2], { each: "work", to: "after" });
    pipe.step("work", async () => new Promise<void>((r) => setTimeout(r, 3)));
    pipe.step("stopper", () => Stop);
    pipe.step("after", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    const t = trace(events);
    expect(t).toContain("map_complete:fan");
    expect(t).toContain("step_end:fan");
    expect(t).not.toContain("step_start:after");
    expect(finishOf(events).status).toBe("success");
  });
});
