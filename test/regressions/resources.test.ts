import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Pipe, SimulatedClock } from "../../src/index.js";
import { collect, finishOf } from "../helpers.js";
import { drive, sleepOn } from "../resilience/support.js";

/** Issue 13, item 6: the library itself leaks no listeners and no per-step memory. */

let warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

async function listenerWarnings(): Promise<string[]> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  return warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message);
}

const MANY = 25;

describe("no MaxListenersExceededWarning", () => {
  it("with more than ten sub-pipeline children at once", async () => {
    const clock = new SimulatedClock();
    const child = new Pipe({ name: "child", clock });
    child.step("work", ({ signal }) => sleepOn(clock, 10, signal));
    const pipe = new Pipe({ name: "parent", clock });
    pipe.map("fan", () => Array.from({ length: MANY }, (_, i) => i), { each: "worker" });
    pipe.sub("worker", () => ({}), { pipeline: child });
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(await listenerWarnings()).toEqual([]);
  });

  it("with more than ten retry backoffs at once", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "backoffs", clock });
    pipe.map("fan", () => Array.from({ length: MANY }, (_, i) => i), { each: "flaky" });
    pipe.step(
      "flaky",
      ({ attempt }) => {
        if (attempt === 1) throw new Error("flaked");
      },
      { retries: { attempts: 1, minDelay: 10, jitter: false } },
    );
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(await listenerWarnings()).toEqual([]);
  });

  it("with one external signal passed to more than ten runs", async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const pipe = new Pipe({ name: "shared-signal", clock });
    pipe.step("work", ({ signal }) => sleepOn(clock, 10, signal));
    const runs = Array.from({ length: MANY }, () => collect(pipe.run({}, { signal: controller.signal })));
    await new Promise<void>((resolve) => setImmediate(resolve));
    await clock.advance(10);
    for (const events of await Promise.all(runs)) expect(finishOf(events).status).toBe("success");
    expect(await listenerWarnings()).toEqual([]);
  });
});

/** A full garbage collection (exposes `gc` for this process if it is not already). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

describe("steps with a timeout", () => {
  it("release their memory when the run ends, without waiting for the event loop to turn", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "timed", clock });
    pipe.step("work", () => {}, { timeout: 1_000 });
    const RUNS = 10_000;
    await collect(pipe.run({})); // warm up
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    // Runs of synchronous steps settle in microtasks: this loop never lets the event loop turn.
    for (let i = 0; i < RUNS; i++) await collect(pipe.run({}));
    collectGarbage();
    const perRun = (process.memoryUsage().heapUsed - before) / RUNS;
    // Issue 13 measured ~2.9 KB per step kept alive; a released run keeps nothing.
    expect(perRun).toBeLessThan(500);
  });
});
