import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeOptions, SimulatedClock, StepTimeoutError } from "../../src/index.js";
import { drive, live, never, turns } from "../resilience/support.js";

/** Issue 13, item 3: every piece of user code gets a bound; exceeding it is reported, not hung. */

// Options passed through a variable: the bounds are options of the Pipe (see docs/lifecycle-hooks.md).
function pipeWith(clock: SimulatedClock, extra: Record<string, unknown> = {}): Pipe<Record<string, unknown>> {
  const options: PipeOptions = { name: "bounded", clock, ...extra } as PipeOptions;
  return new Pipe<Record<string, unknown>>(options);
}

let warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on("warning", onWarning);
});
afterEach(() => {
  process.off("warning", onWarning);
});

async function warned(pattern: RegExp): Promise<void> {
  await turns(3); // process warnings are emitted on the next tick
  expect(warnings.map((w) => w.message).filter((m) => pattern.test(m))).toHaveLength(1);
}

describe("observers that never settle", () => {
  it("cannot hold a run past its timeout from onPipelineStart", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock);
    pipe.addObserver({ onPipelineStart: () => never() });
    pipe.step("a", () => {});
    const { finish, events } = await drive(clock, pipe.run({}, { timeout: 100 }));
    expect(finish.status).toBe("timeout");
    expect(events.at(-1)!.timestamp).toBe(100);
  });

  it("are given up on after observerTimeout in onPipelineStart, and the run goes on", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock, { observerTimeout: 1_000 });
    pipe.addObserver({ onPipelineStart: () => never() });
    pipe.step("a", () => {});
    const { finish, events } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(events.find((e) => e.type === EventType.START)!.timestamp).toBe(1_000);
    await warned(/onPipelineStart did not settle within 1000 ms/);
  });

  it("cannot hold the consumer's loop from onPipelineEnd", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock, { observerTimeout: 1_000 });
    pipe.addObserver({ onPipelineEnd: () => never() });
    pipe.step("a", () => {});
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(clock.now()).toBe(1_000);
    await warned(/onPipelineEnd did not settle within 1000 ms/);
  });

  it("cannot hold the consumer's loop from an async onEvent", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock, { observerTimeout: 1_000 });
    pipe.addObserver({ onEvent: () => never() });
    pipe.step("a", () => {});
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    await warned(/onEvent did not settle within 1000 ms/);
  });

  it("are bounded by a default when no observerTimeout is given", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock);
    pipe.addObserver({ onPipelineEnd: () => never() });
    pipe.step("a", () => {});
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("success");
    expect(clock.now()).toBeGreaterThan(0);
    expect(clock.now()).toBeLessThanOrEqual(60_000);
  });
});

describe("shutdown hooks that never settle", () => {
  it("end the run after shutdownTimeout with a shutdown failure", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock, { shutdownTimeout: 500 });
    pipe.onShutdown(function closePool() {
      return never();
    });
    pipe.step("a", () => {});
    const { finish, events } = await drive(clock, pipe.run({}));
    expect(events.at(-1)!.timestamp).toBe(500);
    expect(finish.failureKind).toBe("shutdown");
    expect(finish.errors[0]!.error).toMatch(/closePool.*did not settle within 500 ms/);
    const errors = events.filter((e) => e.type === EventType.STEP_ERROR && e.stage === "shutdown");
    expect(errors).toHaveLength(1);
  });

  it("still run the next hook after one that never settles", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock, { shutdownTimeout: 500 });
    let second = 0;
    pipe.onShutdown(() => never());
    pipe.onShutdown(() => {
      second++;
    });
    pipe.step("a", () => {});
    await drive(clock, pipe.run({}));
    expect(second).toBe(1);
  });

  it("cannot hang a consumer's break", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock, { shutdownTimeout: 500 });
    pipe.onShutdown(() => never());
    pipe.step("a", () => {});
    const stream = pipe.run({});
    await stream.next(); // START
    let returned = false;
    const closing = stream.return(undefined).then(() => {
      returned = true;
    });
    for (let i = 0; i < 20 && !returned; i++) {
      await turns(2);
      await clock.advanceToNextTimer();
    }
    expect(returned).toBe(true);
    await closing;
    expect(clock.now()).toBe(500);
  });

  it("are bounded by a default when no shutdownTimeout is given", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock);
    pipe.onShutdown(() => never());
    pipe.step("a", () => {});
    const { finish } = await drive(clock, pipe.run({}));
    expect(finish.failureKind).toBe("shutdown");
    expect(clock.now()).toBeLessThanOrEqual(60_000);
  });
});

describe("error handlers that never return", () => {
  it("are bounded by the step's timeout", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock);
    pipe.step(
      "a",
      () => {
        throw new Error("boom");
      },
      { timeout: 50, onError: () => never() },
    );
    const { finish, events } = await drive(clock, pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(finish.errors[0]!.cause).toBeInstanceOf(StepTimeoutError);
    expect(events.at(-1)!.timestamp).toBe(50);
  });

  it("are bounded by the run's timeout", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock);
    pipe.step("a", () => {
      throw new Error("boom");
    });
    pipe.onError(() => never());
    const { finish, events } = await drive(clock, pipe.run({}, { timeout: 80 }));
    expect(finish.status).toBe("timeout");
    expect(events.at(-1)!.timestamp).toBe(80);
  });

  it("are bounded by the run's signal", async () => {
    const clock = new SimulatedClock();
    const pipe = pipeWith(clock);
    pipe.step("a", () => {
      throw new Error("boom");
    });
    pipe.onError(() => never());
    const controller = new AbortController();
    const run = live(pipe.run({}, { signal: controller.signal }));
    await turns(3);
    controller.abort();
    await turns(5);
    expect(run.ended()).toBe(true);
    const events = await run.done;
    expect(events.at(-1)!.type).toBe(EventType.FINISH);
  });
});
