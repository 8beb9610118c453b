import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent, SimulatedClock, Stop, Suspend } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";
import {
  cancelMidRun,
  drive,
  never,
  ofType,
  runAll,
  stepErrors,
  turns,
  withUnhandledRejections,
} from "./support.js";

describe("timeout and cancellation override failures", () => {
  it("reports timeout when the run times out after a step failed (the failure stays in errors)", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ name: "fail-then-timeout", clock });
    pipe.step("root", () => {}, { to: ["broken", "deaf"] });
    pipe.step("broken", async () => {
      await Promise.resolve();
      throw new Error("broken");
    });
    pipe.step("deaf", () => never());
    const { events, finish } = await drive(clock, pipe.run({}, { timeout: 700 }));
    expect(stepErrors(events, "broken").map((p) => p.message)).toEqual(["broken"]);
    expect(finish.status).toBe("timeout");
    expect(finish.reason).toBe("timeout");
    expect(finish.failureKind).toBe("none");
    expect(finish.failureSource).toBe("none");
    expect(finish.error).toBeUndefined();
    expect(finish.failedStep).toBeUndefined();
    expect(finish.errors).toEqual([
      expect.objectContaining({ kind: "step", reason: "step_error", step: "broken", error: "broken" }),
    ]);
    expect(finish.durationMs).toBe(700);
  });

  it("reports cancelled when the run is cancelled after a step failed", async () => {
    const pipe = new Pipe({ name: "fail-then-cancel" });
    pipe.step("root", () => {}, { to: ["broken", "deaf"] });
    pipe.step("broken", async () => {
      await Promise.resolve();
      throw new Error("broken");
    });
    pipe.step("deaf", () => never());
    const finish = finishOf(await cancelMidRun(pipe, {}, () => turns()));
    expect(finish.failureKind).toBe("none");
    expect(finish.errors.map((e) => e.step)).toEqual(["broken"]);
  });
});

describe("primary failure by kind", () => {
  it("a shutdown-hook failure alone fails the run", async () => {
    const pipe = new Pipe({ name: "shutdown-only" });
    pipe.step("work", () => {});
    pipe.onShutdown(() => {
      throw new Error("could not close the pool");
    });
    const { events, finish } = await runAll(pipe.run({}));
    const [payload] = stepErrors(events, "shutdown");
    expect(payload?.message).toBe("Shutdown hook failed: could not close the pool");
    expect(payload?.retrying).toBe(false);
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("shutdown");
    expect(finish.reason).toBe("shutdown_hook_error");
    expect(finish.failureSource).toBe("user_code");
    expect(finish.error).toBe("Shutdown hook failed: could not close the pool");
    expect(finish.failedStep).toBeUndefined();
    expect(finish.errors).toHaveLength(1);
  });

  it("a step failure wins over a later shutdown failure; errors lists both in order", async () => {
    const pipe = new Pipe({ name: "step-and-shutdown" });
    pipe.step("work", () => {
      throw new Error("step broke");
    });
    pipe.onShutdown(() => {
      throw new Error("shutdown broke");
    });
    const { finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("step");
    expect(finish.reason).toBe("step_error");
    expect(finish.failedStep).toBe("work");
    expect(finish.error).toBe("step broke");
    expect(finish.errors.map((e) => [e.kind, e.reason])).toEqual([
      ["step", "step_error"],
      ["shutdown", "shutdown_hook_error"],
    ]);
  });

  it("a startup failure skips the steps, still runs shutdown, and wins over a shutdown failure", async () => {
    let ran = false;
    const pipe = new Pipe({ name: "startup-fails" });
    pipe.onStartup(() => {
      throw new Error("no database");
    });
    pipe.onShutdown(() => {
      throw new Error("nothing to close");
    });
    pipe.step("work", () => {
      ran = true;
    });
    const { events, finish } = await runAll(pipe.run({}));
    expect(ran).toBe(false);
    expect(ofType(events, EventType.START)).toHaveLength(0);
    expect(stepErrors(events, "startup").map((p) => p.message)).toEqual(["Startup hook failed: no database"]);
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("startup");
    expect(finish.reason).toBe("startup_hook_error");
    expect(finish.error).toBe("Startup hook failed: no database");
    expect(finish.errors.map((e) => e.kind)).toEqual(["startup", "shutdown"]);
  });

  it("a validation failure (no steps) wins over everything", async () => {
    const pipe = new Pipe({ name: "no-steps" });
    pipe.onShutdown(() => {
      throw new Error("shutdown broke");
    });
    const { events, finish } = await runAll(pipe.run({}));
    expect(stepErrors(events, "system")).toHaveLength(1);
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("validation");
    expect(finish.reason).toBe("no_steps");
    expect(finish.failureSource).toBe("framework");
    expect(finish.errors.map((e) => e.kind)).toEqual(["validation", "shutdown"]);
  });

  it("picks the first recorded failure among failures of the same kind", async () => {
    const pipe = new Pipe({ name: "tie" });
    pipe.step("work", () => {});
    pipe.onShutdown(() => {
      throw new Error("first");
    });
    pipe.onShutdown(() => {
      throw new Error("second");
    });
    const { events, finish } = await runAll(pipe.run({}));
    expect(stepErrors(events, "shutdown").map((p) => p.message)).toEqual([
      "Shutdown hook failed: first",
      "Shutdown hook failed: second",
    ]);
    expect(finish.error).toBe("Shutdown hook failed: first");
    expect(finish.errors).toHaveLength(2);
  });

  it("an infra failure loses to a step failure but is still listed, in order", async () => {
    const pipe = new Pipe({ name: "infra-and-step" });
    let thrown = false;
    pipe.addEventHook((event) => {
      if (!thrown && event.type === EventType.START) {
        thrown = true;
        throw new Error("hook broke");
      }
      return event;
    });
    pipe.step("work", () => {
      throw new Error("step broke");
    });
    const { finish } = await runAll(pipe.run({}));
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("step");
    expect(finish.errors.map((e) => e.kind)).toEqual(["infra", "step"]);
  });

  it("success, Stop, handled errors and Suspend are not failures", async () => {
    const cases: [string, () => unknown, string][] = [
      ["plain", () => undefined, "success"],
      ["stop", () => Stop, "success"],
      ["suspend", () => new Suspend({ reason: "later" }), "suspended"],
    ];
    for (const [name, body, status] of cases) {
      const pipe = new Pipe({ name });
      pipe.step("work", body as () => undefined, { to: "next" });
      pipe.step(
        "next",
        () => {
          throw new Error("handled");
        },
        { onError: () => undefined },
      );
      const { finish } = await runAll(pipe.run({}));
      expect(finish.status).toBe(status);
      expect(finish.failureKind).toBe("none");
      expect(finish.failureSource).toBe("none");
      expect(finish.errors).toEqual([]);
      expect(finish.error).toBeUndefined();
    }
  });
});

describe("event hooks that fail", () => {
  it("record an infra failure and never an unhandled rejection", async () => {
    let result: PipeEvent<unknown>[] = [];
    const rejections = await withUnhandledRejections(async () => {
      const pipe = new Pipe({ name: "hook-throws" });
      pipe.addEventHook((event) => {
        if (event.type === EventType.STEP_START) throw new Error("hook broke");
        return event;
      });
      pipe.step("work", () => {});
      result = await collect(pipe.run({}));
    });
    expect(rejections).toEqual([]);
    assertRunInvariants(result);
    // The event is still delivered, unchanged.
    expect(ofType(result, EventType.STEP_START, "work")).toHaveLength(1);
    const finish = finishOf(result);
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("infra");
    expect(finish.reason).toBe("internal_error");
    expect(finish.failureSource).toBe("framework");
    expect(finish.error).toBe("hook broke");
  });

  it("record an infra failure for a hook that returns something other than an event", async () => {
    const pipe = new Pipe({ name: "hook-returns-nothing" });
    pipe.addEventHook(((event: PipeEvent) =>
      event.type === EventType.STEP_END ? undefined : event) as never);
    pipe.step("work", () => {});
    const { events, finish } = await runAll(pipe.run({}));
    expect(ofType(events, EventType.STEP_END)).toHaveLength(1);
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("infra");
  });

  it("record an infra failure for an async hook that rejects, without an unhandled rejection", async () => {
    let result: PipeEvent<unknown>[] = [];
    const rejections = await withUnhandledRejections(async () => {
      const pipe = new Pipe({ name: "hook-rejects" });
      pipe.addEventHook((async (event: PipeEvent) => {
        if (event.type === EventType.STEP_START) throw new Error("async hook broke");
        return event;
      }) as never);
      pipe.step("work", () => {});
      result = await collect(pipe.run({}));
    });
    expect(rejections).toEqual([]);
    assertRunInvariants(result);
    const finish = finishOf(result);
    expect(finish.status).toBe("failed");
    expect(finish.failureKind).toBe("infra");
  });
});

describe("shutdown hooks after the run was stopped", () => {
  it("run once, with a signal they can still use for their cleanup", async () => {
    for (const stop of ["timeout", "cancel", "failure"] as const) {
      const clock = new SimulatedClock();
      const controller = new AbortController();
      const seen: boolean[] = [];
      const pipe = new Pipe({ name: `shutdown-after-${stop}`, clock });
      pipe.onShutdown(({ signal }) => {
        seen.push(signal.aborted);
      });
      pipe.step("work", async () => {
        await Promise.resolve();
        if (stop === "failure") throw new Error("boom");
        if (stop === "cancel") controller.abort();
        await never();
      });
      const { finish } = await drive(
        clock,
        pipe.run({}, stop === "timeout" ? { timeout: 50 } : { signal: controller.signal }),
      );
      expect(finish.status).toBe(stop === "timeout" ? "timeout" : stop === "cancel" ? "cancelled" : "failed");
      expect(seen).toEqual([false]);
    }
  });
});
