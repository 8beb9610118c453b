import { describe, expect, it } from "vitest";
import { DefinitionError, EventType, Pipe, type PipeEvent, SimulatedClock } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";

/** Issue 13, item 1: a run whose work never waits must not starve its own timers, aborts and backpressure. */

// Enough iterations to outlive several macrotask turns; small enough to end quickly if it never yields.
const LOOPS = 200_000;

interface Counter {
  i: number;
}

function syncLoop(kind: "sync" | "async" = "sync"): Pipe<Counter> {
  const pipe = new Pipe<Counter>({ name: "spin" });
  const body = ({ state }: { state: Counter }) => (++state.i < LOOPS ? "loop" : undefined);
  if (kind === "sync") pipe.step("loop", body, { routes: ["loop"] });
  else pipe.step("loop", async (args) => body(args), { routes: ["loop"] });
  return pipe;
}

/** Runs `work` in a macrotask of its own: it only gets to run when the run loop yields. */
function nextMacrotask(work: () => void | Promise<void>): void {
  setImmediate(() => void work());
}

describe("a run whose steps never wait", () => {
  it("is cancelled by its signal while a synchronous jump loop spins", async () => {
    const controller = new AbortController();
    const state = { i: 0 };
    nextMacrotask(() => controller.abort(new Error("enough")));
    const events = await collect(syncLoop().run(state, { signal: controller.signal, queueSize: 0 }));
    assertRunInvariants(events);
    expect(finishOf(events).status).toBe("cancelled");
    expect(state.i).toBeLessThan(LOOPS);
  });

  it("is cancelled by its signal while an I/O-free async jump loop spins", async () => {
    const controller = new AbortController();
    const state = { i: 0 };
    nextMacrotask(() => controller.abort(new Error("enough")));
    const events = await collect(syncLoop("async").run(state, { signal: controller.signal, queueSize: 0 }));
    expect(finishOf(events).status).toBe("cancelled");
    expect(state.i).toBeLessThan(LOOPS);
  });

  it("times out on its own clock while a synchronous jump loop spins", async () => {
    const clock = new SimulatedClock();
    const state = { i: 0 };
    // The simulated clock moves only when the test gets a turn: a loop that never yields ends first.
    nextMacrotask(() => clock.advance(50));
    const events = await collect(syncLoop().run(state, { timeout: 50, clock, queueSize: 0 }));
    assertRunInvariants(events);
    const finish = finishOf(events);
    expect(finish.status).toBe("timeout");
    expect(events.at(-1)!.timestamp).toBe(50);
    expect(state.i).toBeLessThan(LOOPS);
  });

  it("holds a slow consumer's queue bound against the runtime's own events", async () => {
    const state = { i: 0 };
    const stream = syncLoop().run(state, { queueSize: 1 });
    const events: PipeEvent<Counter>[] = [];
    let maxSeen = 0;
    for await (const event of stream) {
      events.push(event);
      // A slow consumer: one event per macrotask turn, for the first few hundred events.
      if (events.length < 300) await new Promise<void>((resolve) => setImmediate(resolve));
      else break;
      maxSeen = Math.max(maxSeen, state.i);
    }
    // With one slot and a consumer that takes an event per turn, the loop cannot run far ahead.
    expect(maxSeen).toBeLessThan(300);
  });

  it("reports the queue's real depth in its metrics under queueSize: 1", async () => {
    const state = { i: 0 };
    const pipe = new Pipe<Counter>({ name: "spin" });
    pipe.step("loop", ({ state: s }) => (++s.i < 5_000 ? "loop" : undefined), { routes: ["loop"] });
    const events: PipeEvent<Counter>[] = [];
    for await (const event of pipe.run(state, { queueSize: 1 })) {
      events.push(event);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const finish = finishOf(events);
    expect(finish.status).toBe("success");
    // A handful of events of one step may be queued together; thousands may not.
    expect(finish.metrics!.queue.maxDepth).toBeLessThanOrEqual(8);
  });
});

describe("maps that name themselves", () => {
  it("rejects a map whose worker is itself", () => {
    const pipe = new Pipe();
    pipe.map("fan", () => [1, 2], { each: "fan" });
    expect(() => pipe.validate()).toThrow(DefinitionError);
    expect(() => pipe.validate()).toThrow(/'fan'.*worker.*itself|itself.*'fan'/);
  });

  it("rejects two maps that are each other's worker", () => {
    const pipe = new Pipe({ allowMultiRoot: true });
    pipe.map("left", () => [1], { each: "right" });
    pipe.map("right", () => [1], { each: "left" });
    expect(() => pipe.validate()).toThrow(DefinitionError);
    expect(() => pipe.validate()).toThrow(/left.*right|right.*left/);
  });

  it("still accepts a map whose worker is a map over other items", async () => {
    const pipe = new Pipe();
    pipe.map("outer", () => [1, 2], { each: "inner" });
    pipe.map("inner", ({ item }) => [item, item], { each: "leaf" });
    pipe.step("leaf", () => {});
    pipe.validate();
    const events = await collect(pipe.run({}));
    expect(finishOf(events).status).toBe("success");
    expect(events.filter((e) => e.type === EventType.STEP_START && e.stage === "leaf")).toHaveLength(4);
  });
});
