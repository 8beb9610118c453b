import { describe, expect, it } from "vitest";
import { EventType, Pipe, Stop, Suspend } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf, trace } from "../helpers.js";

describe("a run's event stream", () => {
  it("starts with START, ends with FINISH success, numbers events 1..n", async () => {
    const pipe = new Pipe<{ n: number }>({ name: "linear" });
    pipe.step("b", ({ state }) => {
      state.n *= 10;
    });
    pipe.step(
      "a",
      async ({ state }) => {
        state.n += 1;
      },
      { to: "b" },
    );
    const state = { n: 1 };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(trace(events)).toEqual([
      "start:system",
      "step_start:a",
      "step_end:a",
      "step_start:b",
      "step_end:b",
      "finish:system",
    ]);
    expect(state.n).toBe(20);
    expect(events[0]!.payload).toBe(state);
    const end = finishOf(events);
    expect(end).toMatchObject({ status: "success", failureKind: "none", failureSource: "none", errors: [] });
  });

  it("fills every lineage field", async () => {
    const pipe = new Pipe();
    pipe.step("b", () => {});
    pipe.step("a", () => {}, { to: "b" });
    const events = await collect(pipe.run(undefined));
    const runId = events[0]!.runId;
    for (const e of events) {
      expect(e.runId).toBe(runId);
      expect(e.originRunId).toBe(runId);
      expect(e.parentRunId).toBeNull();
      expect(typeof e.timestamp).toBe("number");
    }
    const [startA, , startB] = events.filter((e) => e.stage !== "system");
    expect(startA!.invocationId).toMatch(new RegExp(`^${runId}:\\d+$`));
    expect(startA!.ownerInvocationId).toBe(startA!.invocationId);
    expect(startA!.parentInvocationId).toBeNull();
    expect(startA!.nodeKind).toBe("step");
    expect(startA!.attempt).toBe(1);
    expect(startA!.scope).toEqual([]);
    expect(startB!.parentInvocationId).toBe(startA!.invocationId);
    const endB = events.find((e) => e.type === EventType.STEP_END && e.stage === "b")!;
    expect(endB.invocationId).toBe(startB!.invocationId);
    expect(endB.meta).toMatchObject({ framework: { attempt: 1, status: "success" } });
  });

  it("gives each run its own id", async () => {
    const pipe = new Pipe();
    pipe.step("a", () => {});
    const first = await collect(pipe.run(undefined));
    const second = await collect(pipe.run(undefined));
    expect(first[0]!.runId).not.toBe(second[0]!.runId);
  });

  it("passes state, ctx, stepName, attempt, runId and a live signal to the handler", async () => {
    const pipe = new Pipe<{ seen?: unknown }, { user: string }>();
    pipe.step("look", ({ state, ctx, stepName, attempt, runId, signal, meta }) => {
      state.seen = { ctx, stepName, attempt, runId, aborted: signal.aborted, hasMeta: typeof meta.step.set };
    });
    const state: { seen?: unknown } = {};
    const events = await collect(pipe.run(state, { context: { user: "ada" } }));
    expect(state.seen).toEqual({
      ctx: { user: "ada" },
      stepName: "look",
      attempt: 1,
      runId: events[0]!.runId,
      aborted: false,
      hasMeta: "function",
    });
  });

  it("runs from `start` only", async () => {
    const pipe = new Pipe();
    pipe.step("c", () => {});
    pipe.step("b", () => {}, { to: "c" });
    pipe.step("a", () => {}, { to: "b" });
    const events = await collect(pipe.run(undefined, { start: "b" }));
    expect(trace(events, ["step_start"])).toEqual(["step_start:b", "step_start:c"]);
  });

  it("accepts a handler as `start`", async () => {
    const pipe = new Pipe();
    const c = pipe.step("c", () => {});
    pipe.step("a", () => {}, { to: c });
    const events = await collect(pipe.run(undefined, { start: c }));
    expect(trace(events, ["step_start"])).toEqual(["step_start:c"]);
  });

  it("throws a DefinitionError from the first iteration, not from run()", async () => {
    const pipe = new Pipe();
    pipe.step("a", () => {}, { to: "nope" });
    const stream = pipe.run(undefined);
    await expect(stream.next()).rejects.toThrow(/unknown step 'nope'/);
  });

  it("fails an empty pipe with a validation failure instead of throwing", async () => {
    const events = await collect(new Pipe().run(undefined));
    assertRunInvariants(events);
    expect(trace(events)).toEqual(["step_error:system", "finish:system"]);
    expect(finishOf(events)).toMatchObject({
      status: "failed",
      failureKind: "validation",
      reason: "no_steps",
    });
  });
});

describe("handlers", () => {
  it("runs sync, async and async-generator handlers", async () => {
    const order: string[] = [];
    const pipe = new Pipe();
    pipe.step("c", async function* () {
      order.push("c");
      yield "token";
    });
    pipe.step(
      "b",
      async () => {
        await new Promise((r) => setTimeout(r, 1));
        order.push("b");
      },
      { to: "c" },
    );
    pipe.step(
      "a",
      () => {
        order.push("a");
      },
      { to: "b" },
    );
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("emits each yielded value as a TOKEN carrying the invocation id, in order", async () => {
    const pipe = new Pipe();
    pipe.step("stream", async function* () {
      for (const word of ["a", "b", "c"]) yield word;
      yield { structured: true };
    });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    const start = events.find((e) => e.type === EventType.STEP_START)!;
    const tokens = events.filter((e) => e.type === EventType.TOKEN);
    expect(tokens.map((t) => t.payload)).toEqual(["a", "b", "c", { structured: true }]);
    for (const t of tokens) {
      expect(t.invocationId).toBe(start.invocationId);
      expect(t.stage).toBe("stream");
    }
  });

  it("treats a generator's return value as its control result", async () => {
    const pipe = new Pipe();
    pipe.step("never", () => {});
    pipe.step("target", () => {});
    pipe.step(
      "gen",
      async function* () {
        yield "x";
        return "target";
      },
      { to: "never", routes: ["target"] },
    );
    const events = await collect(pipe.run(undefined));
    expect(trace(events, ["step_start"])).toEqual(["step_start:gen", "step_start:target"]);
  });

  it("keeps tokens yielded before a mid-stream error, then STEP_ERROR", async () => {
    const pipe = new Pipe();
    pipe.step("s", async function* () {
      yield 1;
      throw new Error("broke");
    });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events)).toEqual([
      "start:system",
      "step_start:s",
      "token:s",
      "step_error:s",
      "finish:system",
    ]);
  });

  it("streams through middleware that wraps the handler", async () => {
    const pipe = new Pipe({
      middleware: [
        (next) =>
          async function* (args) {
            const inner = next(args) as AsyncGenerator<unknown>;
            for await (const token of inner) yield String(token).toUpperCase();
          },
      ],
    });
    pipe.step("s", async function* () {
      yield "hi";
    });
    const events = await collect(pipe.run(undefined));
    expect(events.filter((e) => e.type === EventType.TOKEN).map((e) => e.payload)).toEqual(["HI"]);
  });
});

describe("control flow", () => {
  it("jumps to a returned step name instead of the static successors", async () => {
    const pipe = new Pipe();
    pipe.step("static", () => {});
    pipe.step("dynamic", () => {});
    pipe.step("a", () => "dynamic", { to: "static", routes: ["dynamic"] });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events, ["step_start"])).toEqual(["step_start:a", "step_start:dynamic"]);
    const jumpStart = events.find((e) => e.type === EventType.STEP_START && e.stage === "dynamic")!;
    expect(jumpStart.parentInvocationId).toBe(events.find((e) => e.stage === "a")!.invocationId);
  });

  it("jumps to a returned handler", async () => {
    const pipe = new Pipe();
    const target = pipe.step("target", () => {});
    pipe.step("a", () => target, { routes: [target] });
    const events = await collect(pipe.run(undefined));
    expect(trace(events, ["step_start"])).toEqual(["step_start:a", "step_start:target"]);
  });

  it("loops by jumping back, closing every invocation", async () => {
    const pipe = new Pipe<{ n: number }>();
    pipe.step("loop", ({ state }) => (++state.n < 5 ? "loop" : undefined), { routes: ["loop"] });
    const state = { n: 0 };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.n).toBe(5);
    expect(events.filter((e) => e.type === EventType.STEP_END)).toHaveLength(5);
  });

  it("fails the step when it jumps to an unknown name, hinting at arrow-function bodies", async () => {
    const pipe = new Pipe<{ message: string }>();
    pipe.step("greet", ({ state }) => (state.message = "Hello"));
    const events = await collect(pipe.run({ message: "" }));
    assertRunInvariants(events);
    const error = events.find((e) => e.type === EventType.STEP_ERROR)!;
    expect(error.type === EventType.STEP_ERROR && error.payload.message).toMatch(
      /returned 'Hello', which is not a registered step.*wrap the arrow function's body in braces/,
    );
    expect(finishOf(events)).toMatchObject({ status: "failed", failedStep: "greet" });
  });

  it("rejects a jump outside the step's declared routes", async () => {
    const pipe = new Pipe({ allowMultiRoot: true });
    pipe.step("x", () => {});
    pipe.step("y", () => {});
    pipe.step("a", () => "y", { routes: ["x"] });
    const events = await collect(pipe.run(undefined, { start: "a" }));
    expect(finishOf(events).error).toMatch(/jumped to 'y', which is not in its `routes` \[x\]/);
  });

  it("ends the run successfully on Stop; steps already running finish", async () => {
    const pipe = new Pipe<{ slow?: boolean }>();
    pipe.step("after_slow", () => {});
    pipe.step("after_stop", () => {});
    pipe.step(
      "slow",
      async ({ state }) => {
        await new Promise((r) => setTimeout(r, 5));
        state.slow = true;
      },
      { to: "after_slow" },
    );
    pipe.step("stopper", () => Stop, { to: "after_stop" });
    pipe.step("root", () => {}, { to: ["slow", "stopper"] });
    const state: { slow?: boolean } = {};
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.slow).toBe(true);
    expect(trace(events, ["step_start"])).not.toContain("step_start:after_slow");
    expect(trace(events, ["step_start"])).not.toContain("step_start:after_stop");
    expect(finishOf(events).status).toBe("success");
  });

  it("suspends with SUSPEND then FINISH suspended, and resumes with start", async () => {
    const pipe = new Pipe<{ approved: boolean; done?: boolean }>();
    pipe.step("finish_up", ({ state }) => {
      state.done = true;
    });
    pipe.step(
      "approve",
      ({ state }) => (state.approved ? undefined : new Suspend({ reason: "needs approval" })),
      {
        to: "finish_up",
      },
    );
    const state: { approved: boolean; done?: boolean } = { approved: false };
    const first = await collect(pipe.run(state));
    assertRunInvariants(first);
    expect(trace(first)).toEqual([
      "start:system",
      "step_start:approve",
      "suspend:approve",
      "step_end:approve",
      "finish:system",
    ]);
    const suspend = first.find((e) => e.type === EventType.SUSPEND)!;
    expect(suspend.payload).toEqual({ reason: "needs approval", step: "approve" });
    expect(finishOf(first).status).toBe("suspended");
    state.approved = true;
    const second = await collect(pipe.run(state, { start: "approve" }));
    expect(finishOf(second).status).toBe("success");
    expect(state.done).toBe(true);
  });

  it("warns once and goes on when a step returns a value that is not control", async () => {
    const pipe = new Pipe<{ n: number }>();
    pipe.step("next", () => {});
    pipe.step("count", ({ state }) => state.n++ as never, { to: "next" });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const events = await collect(pipe.run({ n: 0 }));
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    expect(trace(events, ["step_start"])).toEqual(["step_start:count", "step_start:next"]);
    expect(warnings.some((w) => w.includes("Step 'count' returned `"))).toBe(true);
  });
});

describe("the stream object", () => {
  it("answers overlapping next() calls in order", async () => {
    const pipe = new Pipe();
    pipe.step("s", async function* () {
      await new Promise((r) => setTimeout(r, 1));
      yield "a";
      yield "b";
    });
    const stream = pipe.run(undefined);
    const results = await Promise.all(Array.from({ length: 8 }, () => stream.next()));
    const types = results.map((r) => (r.done ? "done" : r.value.type));
    expect(types).toEqual(["start", "step_start", "token", "token", "step_end", "finish", "done", "done"]);
    expect(results.filter((r) => !r.done).map((r) => (r.done ? 0 : r.value.seq))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("is its own async iterator and closes with Symbol.asyncDispose", async () => {
    let shutdown = 0;
    const pipe = new Pipe();
    pipe.onShutdown(() => void shutdown++);
    pipe.step("s", async function* () {
      for (;;) yield 1;
    });
    const stream = pipe.run(undefined);
    expect(stream[Symbol.asyncIterator]()).toBe(stream);
    await stream.next();
    await stream[Symbol.asyncDispose]();
    expect(shutdown).toBe(1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("closes the run when throw() is called, then rethrows", async () => {
    const pipe = new Pipe();
    pipe.step("s", async function* () {
      for (;;) yield 1;
    });
    const stream = pipe.run(undefined);
    await stream.next();
    await expect(stream.throw(new Error("consumer gave up"))).rejects.toThrow("consumer gave up");
    expect((await stream.next()).done).toBe(true);
  });
});
