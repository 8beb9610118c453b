import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/testing/index.js";

describe("SimulatedClock", () => {
  it("starts at 0 by default, or at the given time or Date, and never moves on its own", async () => {
    expect(new SimulatedClock().now()).toBe(0);
    expect(new SimulatedClock(1_000).now()).toBe(1_000);
    expect(new SimulatedClock(new Date("2024-01-01T00:00:00Z")).now()).toBe(Date.UTC(2024, 0, 1));
    const clock = new SimulatedClock(5);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(clock.now()).toBe(5);
  });

  it("rejects a start time that is not a finite number or a valid Date", () => {
    expect(() => new SimulatedClock(Number.NaN)).toThrow(/Expected `start` to be a finite number/);
    expect(() => new SimulatedClock(new Date("nope"))).toThrow(TypeError);
  });

  it("fires due timers in time order, same-time timers in scheduling order, with now() at their due time", async () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`b2@${clock.now()}`), 20);
    expect(clock.pendingTimers).toBe(4);
    expect(clock.nextTimerAt()).toBe(10);

    await clock.advance(25);
    expect(fired).toEqual(["a@10", "b1@20", "b2@20"]);
    expect(clock.now()).toBe(25);
    expect(clock.pendingTimers).toBe(1);

    await clock.advance(5);
    expect(fired).toEqual(["a@10", "b1@20", "b2@20", "c@30"]);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it("never fires a timer synchronously, not even with a 0 ms delay", async () => {
    const clock = new SimulatedClock();
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 0);
    expect(fired).toBe(false);
    await clock.advance(0);
    expect(fired).toBe(true);
  });

  it("treats negative and non-finite delays as 0", async () => {
    const clock = new SimulatedClock(100);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(1), -5);
    clock.setTimeout(() => fired.push(2), Number.NaN);
    expect(clock.nextTimerAt()).toBe(100);
    await clock.advance(0);
    expect(fired).toEqual([1, 2]);
  });

  it("fires timers scheduled by callbacks within the same advance", async () => {
    const clock = new SimulatedClock();
    const ticks: number[] = [];
    const tick = () => {
      ticks.push(clock.now());
      if (ticks.length < 5) clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    await clock.advance(35);
    expect(ticks).toEqual([10, 20, 30]);
    expect(clock.now()).toBe(35);
    await clock.advance(100);
    expect(ticks).toEqual([10, 20, 30, 40, 50]);
  });

  it("lets async code woken by a timer schedule its next timer before time moves on", async () => {
    const clock = new SimulatedClock();
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const seen: number[] = [];
    const loop = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(100);
        await Promise.resolve(); // a few extra promise hops before scheduling the next sleep
        await Promise.resolve();
        seen.push(clock.now());
      }
    })();
    await clock.advance(1_000);
    await loop;
    expect(seen).toEqual([100, 200, 300]);
  });

  it("does not fire cleared timers, and ignores unknown handles", async () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("b"), 20);
    clock.clearTimeout(a);
    clock.clearTimeout(undefined);
    clock.clearTimeout(12345);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(50);
    expect(fired).toEqual(["b"]);
  });

  it("lets a callback clear a later timer due in the same advance", async () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    const later = clock.setTimeout(() => fired.push("later"), 20);
    clock.setTimeout(() => {
      fired.push("first");
      clock.clearTimeout(later);
    }, 10);
    await clock.advance(30);
    expect(fired).toEqual(["first"]);
  });

  it("advanceToNextTimer jumps to the next timer only, and reports when none is pending", async () => {
    const clock = new SimulatedClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("a"), 50);
    clock.setTimeout(() => fired.push("b"), 70);
    expect(await clock.advanceToNextTimer()).toBe(true);
    expect(fired).toEqual(["a"]);
    expect(clock.now()).toBe(50);
    expect(await clock.advanceToNextTimer()).toBe(true);
    expect(clock.now()).toBe(70);
    expect(await clock.advanceToNextTimer()).toBe(false);
    expect(clock.now()).toBe(70);
  });

  it("runAll fires every timer, chained ones included, and returns how many fired", async () => {
    const clock = new SimulatedClock();
    let count = 0;
    const chain = () => {
      count++;
      if (count < 3) clock.setTimeout(chain, 1_000);
    };
    clock.setTimeout(chain, 1_000);
    clock.setTimeout(() => {}, 10);
    expect(await clock.runAll()).toBe(4);
    expect(count).toBe(3);
    expect(clock.now()).toBe(3_000);
  });

  it("runAll stops an endless timer chain with a readable error", async () => {
    const clock = new SimulatedClock();
    const poll = () => clock.setTimeout(poll, 5);
    poll();
    await expect(clock.runAll({ maxTimers: 10 })).rejects.toThrow(
      /fired 10 timers and more are still pending \(next at 55 ms\)/,
    );
  });

  it("rejects the advance with the error of a throwing callback, keeping later timers pending", async () => {
    const clock = new SimulatedClock();
    clock.setTimeout(() => {
      throw new Error("boom");
    }, 10);
    clock.setTimeout(() => {}, 20);
    await expect(clock.advance(30)).rejects.toThrow("boom");
    expect(clock.now()).toBe(10);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(10);
    expect(clock.pendingTimers).toBe(0);
  });

  it("refuses overlapping advances and invalid durations", async () => {
    const clock = new SimulatedClock();
    const first = clock.advance(10);
    await expect(clock.advance(10)).rejects.toThrow(/already advancing/);
    await first;
    await expect(clock.advance(-1)).rejects.toThrow(
      "Expected `ms` to be a finite number >= 0, got `-1` (number).",
    );
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
    expect(clock.now()).toBe(10);
  });
});
