import { describe, expect, it } from "vitest";
import { BarrierTimeoutError, EventType, Pipe, type StepArgs, StepTimeoutError } from "../../src/index.js";
import { SimulatedClock, TestPipe } from "../../src/testing/index.js";
import { untilAborted } from "../resilience/support.js";

/** A step body that waits until its signal aborts, then rejects with the abort reason. */
const waitForAbort = ({ signal }: StepArgs<unknown>) => untilAborted(signal);

describe("pipelines on a SimulatedClock", () => {
  it("fails a step at its timeout when the clock passes it, without real waiting", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe<{ done: boolean }>({ name: "slow" });
    pipe.step("after", ({ state }) => {
      state.done = true;
    });
    pipe.step("slow", waitForAbort, { timeout: 5_000, to: "after" });
    const tester = new TestPipe(pipe);

    let settled = false;
    const running = tester.run({ done: false }, { clock }).finally(() => {
      settled = true;
    });
    await clock.advance(4_999);
    expect(settled).toBe(false);
    expect(clock.pendingTimers).toBe(1);

    await clock.advance(1);
    const result = await running;
    expect(result.status).toBe("failed");
    expect(result.finish.failedStep).toBe("slow");
    expect(result.finish.durationMs).toBe(5_000);
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors;
    expect(error?.stage).toBe("slow");
    expect(error?.error).toBeInstanceOf(StepTimeoutError);
    expect(error?.message).toBe(
      "Step 'slow' timed out after 5000 ms. Raise its `timeout` option or make the step honour `signal`.",
    );
    expect(result.stepCalls("slow")).toEqual([
      expect.objectContaining({ outcome: "error", durationMs: 5_000 }),
    ]);
    expect(result.wasCalled("after")).toBe(false);
    expect(result.finalState.done).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("fails a timed-out step even when it ignores its signal", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "deaf" });
    pipe.step("deaf", () => new Promise<void>(() => {}), { timeout: 100 });
    const running = new TestPipe(pipe).run({}, { clock });
    await clock.advance(100);
    const result = await running;
    expect(result.status).toBe("failed");
    expect(result.errors[0]?.error).toBeInstanceOf(StepTimeoutError);
  });

  it("times a mocked step out just like the real one", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "mocked-timeout" });
    pipe.step("call", () => undefined, { timeout: 1_000 });
    using tester = new TestPipe(pipe);
    const call = tester.mock("call", waitForAbort);
    const [result] = await Promise.all([tester.run({}, { clock }), clock.runAll()]);
    call.assertCalledOnce();
    expect(result.status).toBe("failed");
    expect(result.errors[0]?.error).toBeInstanceOf(StepTimeoutError);
    expect(clock.now()).toBe(1_000);
  });

  it("spaces retries by the backoff policy on the run's clock", async () => {
    const clock = new SimulatedClock(1_000_000);
    const pipe = new Pipe({ name: "backoff" });
    pipe.step("flaky", () => undefined, {
      retries: { attempts: 3, minDelay: 100, factor: 2, jitter: false },
    });
    using tester = new TestPipe(pipe);
    const startedAt: number[] = [];
    tester.mock("flaky", ({ attempt }) => {
      startedAt.push(clock.now());
      if (attempt < 4) throw new Error(`try ${attempt}`);
    });
    const [result] = await Promise.all([tester.run({}, { clock }), clock.runAll()]);
    expect(result.status).toBe("success");
    expect(startedAt.map((t) => t - 1_000_000)).toEqual([0, 100, 300, 700]);
    expect(result.eventsOf(EventType.STEP_START).map((e) => e.timestamp - 1_000_000)).toEqual([
      0, 100, 300, 700,
    ]);
  });

  it("ends the run with TIMEOUT when the run's timeout passes on the clock", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "run-timeout" });
    pipe.step("forever", waitForAbort);
    const running = new TestPipe(pipe).run({}, { clock, timeout: 2_000 });
    await clock.advance(2_000);
    const result = await running;
    expect(result.status).toBe("timeout");
    expect(result.eventsOf(EventType.TIMEOUT)).toHaveLength(1);
    expect(result.stepCalls("forever")[0]?.outcome).toBe("cancelled");
  });

  it("fails a join whose parents do not all arrive within barrierTimeout", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "barrier" });
    pipe.step("join", () => undefined, { barrierTimeout: 500 });
    pipe.step("fast", () => undefined, { to: "join" });
    pipe.step("slow", waitForAbort, { to: "join" });
    pipe.step("fork", () => undefined, { to: ["fast", "slow"] });
    const [result] = await Promise.all([new TestPipe(pipe).run({}, { clock }), clock.runAll()]);
    expect(result.status).toBe("failed");
    expect(result.errors.map((e) => e.error)).toContainEqual(expect.any(BarrierTimeoutError));
    expect(clock.now()).toBe(500);
  });

  it("is also accepted as the Pipe's own clock option", async () => {
    const clock = new SimulatedClock(42);
    const pipe = new Pipe({ name: "pipe-clock", clock });
    pipe.step("slow", waitForAbort, { timeout: 10 });
    const running = new TestPipe(pipe).run({});
    await clock.advance(10);
    const result = await running;
    expect(result.status).toBe("failed");
    expect(result.events.every((e) => e.timestamp >= 42 && e.timestamp <= 52)).toBe(true);
  });
});
