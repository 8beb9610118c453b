import { describe, expect, it } from "vitest";
import { EventType, Pipe } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";

describe("backpressure", () => {
  it("makes a token producer wait for a slow consumer (queueSize 1)", async () => {
    const produced: number[] = [];
    const pipe = new Pipe({ queueSize: 1 });
    pipe.step("gen", async function* () {
      for (let i = 0; i < 5; i++) {
        produced.push(i);
        yield i;
      }
    });
    const stream = pipe.run(undefined);
    const seen: number[] = [];
    for await (const event of stream) {
      if (event.type === EventType.TOKEN) {
        seen.push(event.payload as number);
        // The producer may run at most one token ahead of what we have taken.
        expect(produced.length).toBeLessThanOrEqual(seen.length + 1);
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it("never deadlocks on the runtime's own events, whatever the queue size", async () => {
    const pipe = new Pipe<{ n: number }>({ queueSize: 1 });
    pipe.step("end", () => {});
    pipe.map("fan", () => Array.from({ length: 50 }, (_, i) => i), { each: "work", to: "end" });
    pipe.step("work", async function* ({ state, item }) {
      state.n += item as number;
      yield item;
    });
    const state = { n: 0 };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.n).toBe(1225);
    expect(finishOf(events).status).toBe("success");
  });

  it("keeps memory bounded: undelivered events stay near queueSize while a stream waits", async () => {
    const pipe = new Pipe({ queueSize: 10 });
    pipe.step("gen", async function* () {
      for (let i = 0; i < 10_000; i++) yield i;
    });
    let tokens = 0;
    for await (const event of pipe.run(undefined)) {
      if (event.type === EventType.TOKEN) tokens++;
      if (event.type === EventType.FINISH)
        expect(event.payload.metrics?.queue.maxDepth).toBeLessThanOrEqual(12);
    }
    expect(tokens).toBe(10_000);
  });
});

describe("client close", () => {
  it("aborts in-flight steps and runs shutdown hooks before return() settles", async () => {
    const log: string[] = [];
    const pipe = new Pipe();
    pipe.onShutdown(async () => {
      await new Promise((r) => setTimeout(r, 2));
      log.push("shutdown");
    });
    pipe.step("slow", async ({ signal }) => {
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      log.push(`aborted:${signal.aborted}`);
    });
    pipe.step(
      "root",
      async function* () {
        yield "first";
      },
      { to: "slow" },
    );
    const seen: string[] = [];
    for await (const event of pipe.run(undefined)) {
      seen.push(event.type);
      if (event.type === EventType.STEP_START && event.stage === "slow") break;
    }
    expect(log).toEqual(["aborted:true", "shutdown"]);
    expect(seen).not.toContain("finish");
  });

  it("tells observers the run ended with client_closed", async () => {
    const ends: string[] = [];
    const pipe = new Pipe();
    pipe.addObserver({ onPipelineEnd: (end) => void ends.push(end.status) });
    pipe.step("gen", async function* () {
      for (;;) yield 1;
    });
    for await (const event of pipe.run(undefined)) if (event.type === EventType.TOKEN) break;
    expect(ends).toEqual(["client_closed"]);
  });

  it("stops a streaming step's generator (its finally runs)", async () => {
    let finalized = false;
    const pipe = new Pipe();
    pipe.step("gen", async function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    });
    for await (const event of pipe.run(undefined)) if (event.type === EventType.TOKEN) break;
    await new Promise((r) => setImmediate(r));
    expect(finalized).toBe(true);
  });
});
