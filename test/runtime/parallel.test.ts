import { describe, expect, it } from "vitest";
import { EventType, Pipe, SimulatedClock } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf, trace } from "../helpers.js";
import { drive, sleepOn } from "../resilience/support.js";

const tick = (ms = 1) => new Promise<void>((r) => setTimeout(r, ms));

describe("static fan-out and implicit barriers", () => {
  it("runs branches concurrently and the join once, after both", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe<{ a?: number; b?: number; result?: number; log: string[] }>({ clock });
    pipe.step("combine", ({ state }) => {
      state.log.push("combine");
      state.result = state.a! + state.b!;
    });
    pipe.step(
      "fetch_a",
      async ({ state }) => {
        state.log.push("a-start");
        await sleepOn(clock, 5);
        state.a = 1;
        state.log.push("a-end");
      },
      { to: "combine" },
    );
    pipe.step(
      "fetch_b",
      async ({ state }) => {
        state.log.push("b-start");
        await sleepOn(clock, 1);
        state.b = 2;
        state.log.push("b-end");
      },
      { to: "combine" },
    );
    pipe.step("start", () => {}, { to: ["fetch_a", "fetch_b"] });
    const state = { log: [] as string[] } as { a?: number; b?: number; result?: number; log: string[] };
    const { events } = await drive(clock, pipe.run(state));
    expect(state.result).toBe(3);
    expect(state.log.slice(0, 2).sort()).toEqual(["a-start", "b-start"]);
    expect(state.log.at(-1)).toBe("combine");
    expect(events.filter((e) => e.type === EventType.STEP_START && e.stage === "combine")).toHaveLength(1);
    const t = trace(events);
    expect(t.indexOf("step_start:combine")).toBeGreaterThan(t.indexOf("step_end:fetch_a"));
    expect(t.indexOf("step_start:combine")).toBeGreaterThan(t.indexOf("step_end:fetch_b"));
    expect(t).toContain("barrier_wait:combine");
    const wait = events.find((e) => e.type === EventType.BARRIER_WAIT)!;
    expect(wait.payload).toEqual({ waitingFor: ["fetch_a"] });
    const release = events.find((e) => e.type === EventType.BARRIER_RELEASE)!;
    // The wave opened when fetch_b arrived (1 ms) and closed when fetch_a did (5 ms).
    expect(release.payload).toEqual({ durationMs: 4 });
    expect(t.indexOf("barrier_release:combine")).toBe(t.indexOf("step_start:combine") - 1);
  });

  it("starts an any-join on the first parent, once per wave", async () => {
    const clock = new SimulatedClock();
    const pipe = new Pipe({ clock });
    pipe.step("first", () => {}, { barrierType: "any" });
    pipe.step("fast", () => {}, { to: "first" });
    pipe.step("slow", () => sleepOn(clock, 5), { to: "first" });
    pipe.step("root", () => {}, { to: ["fast", "slow"] });
    const { events } = await drive(clock, pipe.run(undefined));
    const t = trace(events);
    expect(events.filter((e) => e.type === EventType.STEP_START && e.stage === "first")).toHaveLength(1);
    expect(t.indexOf("step_start:first")).toBeLessThan(t.indexOf("step_end:slow"));
  });

  it("joins the branch a switch took, though the other never ran", async () => {
    const pipe = new Pipe<{ path: string[] }>();
    pipe.switch("route", () => "left", { to: { left: "left", right: "right" } });
    pipe.step(
      "left",
      ({ state }) => {
        state.path.push("left");
      },
      { to: "join" },
    );
    pipe.step(
      "right",
      ({ state }) => {
        state.path.push("right");
      },
      { to: "join" },
    );
    pipe.step("join", ({ state }) => {
      state.path.push("join");
    });
    const state = { path: [] as string[] };
    const events = await collect(pipe.run(state, { start: "route" }));
    assertRunInvariants(events);
    expect(state.path).toEqual(["left", "join"]);
  });

  it("passes the same join again in each wave of a loop", async () => {
    const pipe = new Pipe<{ round: number; joins: number }>();
    pipe.step(
      "start",
      ({ state }) => {
        state.round++;
      },
      { to: ["x", "y"] },
    );
    pipe.step("x", () => {}, { to: "join" });
    pipe.step("y", async () => tick(1), { to: "join" });
    pipe.step(
      "join",
      ({ state }) => {
        state.joins++;
        return state.round < 3 ? "start" : undefined;
      },
      { routes: ["start"] },
    );
    const state = { round: 0, joins: 0 };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state).toEqual({ round: 3, joins: 3 });
  });

  it("does not run an all-join below a branch that jumped away, and still succeeds", async () => {
    const pipe = new Pipe();
    pipe.step("elsewhere", () => {});
    pipe.step("a", () => "elsewhere", { to: "join", routes: ["elsewhere"] });
    pipe.step("b", () => {}, { to: "join" });
    pipe.step("join", () => {}, { to: "after" });
    pipe.step("after", () => {});
    pipe.step("root", () => {}, { to: ["a", "b"] });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    const starts = trace(events, ["step_start"]);
    expect(starts).not.toContain("step_start:join");
    expect(starts).not.toContain("step_start:after");
    expect(finishOf(events).status).toBe("success");
  });

  it("lets a diamond of diamonds join at every level", async () => {
    const pipe = new Pipe<{ n: number }>();
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", () => {}, { to: ["c", "d"] });
    pipe.step("b", async () => tick(1), { to: "d" });
    pipe.step("c", () => {}, { to: "e" });
    pipe.step("d", () => {}, { to: "e" });
    pipe.step("e", ({ state }) => {
      state.n++;
    });
    const state = { n: 0 };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.n).toBe(1);
  });
});

describe("fail fast", () => {
  it("stops on an unhandled error: STEP_ERROR, no successors, siblings aborted, FINISH failed", async () => {
    let siblingAborted = false;
    const pipe = new Pipe();
    pipe.step("after", () => {});
    pipe.step(
      "boom",
      async () => {
        await tick(1);
        throw new TypeError("kaput");
      },
      { to: "after" },
    );
    pipe.step(
      "sibling",
      async ({ signal }) => {
        await new Promise<void>((resolve) =>
          signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        siblingAborted = signal.aborted;
      },
      { to: "after" },
    );
    pipe.step("root", () => {}, { to: ["boom", "sibling"] });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(siblingAborted).toBe(true);
    expect(trace(events, ["step_start"])).not.toContain("step_start:after");
    const error = events.find((e) => e.type === EventType.STEP_ERROR)!;
    expect(error.type === EventType.STEP_ERROR && error.payload).toMatchObject({
      message: "kaput",
      retrying: false,
    });
    expect(error.type === EventType.STEP_ERROR && error.payload.error).toBeInstanceOf(TypeError);
    const end = finishOf(events);
    expect(end).toMatchObject({
      status: "failed",
      failureKind: "step",
      failureSource: "user_code",
      failedStep: "boom",
      error: "kaput",
      reason: "step_error",
    });
    expect(end.errors).toHaveLength(1);
  });

  it("closes a sibling that rejects after the abort with CANCELLED, not a second failure", async () => {
    const pipe = new Pipe();
    pipe.step("boom", () => {
      throw new Error("first");
    });
    pipe.step("sibling", ({ signal }) => {
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
      );
    });
    pipe.step("root", async () => {}, { to: ["sibling", "boom"] });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events, ["cancelled"])).toEqual(["cancelled:sibling"]);
    expect(finishOf(events).errors).toHaveLength(1);
  });

  it("recovers when an onError handler returns nothing: successors run", async () => {
    const pipe = new Pipe<{ handled?: unknown }>();
    pipe.step("next", () => {});
    pipe.step(
      "flaky",
      () => {
        throw new Error("nope");
      },
      {
        to: "next",
        onError: ({ error, state, stepName }) => {
          state.handled = [stepName, (error as Error).message];
        },
      },
    );
    const state: { handled?: unknown } = {};
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.handled).toEqual(["flaky", "nope"]);
    expect(trace(events, ["step_start", "step_end", "step_error"])).toEqual([
      "step_start:flaky",
      "step_end:flaky",
      "step_start:next",
      "step_end:next",
    ]);
    expect(finishOf(events).status).toBe("success");
  });
});

describe("lifecycle hooks", () => {
  it("runs startup hooks before START and shutdown hooks before FINISH, in order", async () => {
    const order: string[] = [];
    const pipe = new Pipe<{ log: string[] }, { db?: string }>();
    pipe.onStartup(async ({ ctx }) => {
      ctx.db = "open";
      order.push("startup1");
    });
    pipe.onStartup(() => {
      order.push("startup2");
    });
    pipe.onShutdown(({ ctx }) => {
      ctx.db = "closed";
      order.push("shutdown1");
    });
    pipe.onShutdown(() => {
      order.push("shutdown2");
    });
    pipe.step("work", ({ ctx }) => {
      order.push(`work:${ctx.db}`);
    });
    const ctx: { db?: string } = {};
    const events = await collect(pipe.run({ log: [] }, { context: ctx }));
    expect(trace(events)).toEqual(["start:system", "step_start:work", "step_end:work", "finish:system"]);
    expect(order).toEqual(["startup1", "startup2", "work:open", "shutdown1", "shutdown2"]);
    expect(ctx.db).toBe("closed");
  });

  it("fails on a startup hook error: no START, shutdown still runs", async () => {
    let shutdown = false;
    const pipe = new Pipe();
    pipe.onStartup(() => {
      throw new Error("no db");
    });
    pipe.onShutdown(() => {
      shutdown = true;
    });
    pipe.step("work", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events)).toEqual(["step_error:startup", "finish:system"]);
    expect(shutdown).toBe(true);
    expect(finishOf(events)).toMatchObject({
      status: "failed",
      failureKind: "startup",
      reason: "startup_hook_error",
      error: "Startup hook failed: no db",
    });
  });

  it("fails the run on a shutdown hook error alone, reported just before FINISH", async () => {
    const pipe = new Pipe();
    pipe.onShutdown(() => {
      throw new Error("close failed");
    });
    pipe.step("work", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events).slice(-2)).toEqual(["step_error:shutdown", "finish:system"]);
    expect(finishOf(events)).toMatchObject({ status: "failed", failureKind: "shutdown" });
  });

  it("prefers the step failure over a shutdown failure and lists both", async () => {
    const pipe = new Pipe();
    pipe.onShutdown(() => {
      throw new Error("close failed");
    });
    pipe.step("work", () => {
      throw new Error("step failed");
    });
    const end = finishOf(await collect(pipe.run(undefined)));
    expect(end).toMatchObject({ failureKind: "step", error: "step failed" });
    expect(end.errors.map((e) => e.kind)).toEqual(["step", "shutdown"]);
  });
});

describe("sibling waves", () => {
  it("starts every branch of a fan-out even when a synchronous sibling stops the run", async () => {
    const { Stop } = await import("../../src/index.js");
    const ran: string[] = [];
    const pipe = new Pipe();
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", () => {
      ran.push("a");
      return Stop;
    });
    pipe.step("b", () => void ran.push("b"));
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(ran).toEqual(["a", "b"]);
  });

  it("opens every branch before a synchronous sibling fails; a sibling aborted before its handler ran leaves no events", async () => {
    const pipe = new Pipe();
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", () => {
      throw new Error("sync failure");
    });
    pipe.step("b", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events, ["step_start", "step_error", "cancelled"])).toEqual([
      "step_start:root",
      "step_start:a",
      "step_error:a",
    ]);
  });
});
