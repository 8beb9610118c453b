import { describe, expect, it, vi } from "vitest";
import {
  EventType,
  type Middleware,
  type Observer,
  Pipe,
  type PipeEvent,
  simpleLoggingMiddleware,
} from "../../src/index.js";
import { formatDebugLine } from "../../src/runtime/debug-log.js";
import { OBSERVER_BUFFER } from "../../src/runtime/observers.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";

describe("middleware", () => {
  it("composes in registration order: the first added is the outermost", async () => {
    const log: string[] = [];
    const tag =
      (name: string): Middleware =>
      (next, step) =>
      async (args) => {
        log.push(`${name}>${step.name}`);
        const result = await next(args);
        log.push(`${name}<${step.name}`);
        return result;
      };
    const pipe = new Pipe({ middleware: [tag("A")] });
    pipe.addMiddleware(tag("B"));
    pipe.step("s", () => void log.push("handler"));
    await collect(pipe.run(undefined));
    expect(log).toEqual(["A>s", "B>s", "handler", "B<s", "A<s"]);
  });

  it("gives the step context: name, kind, pipeName, retries, timeout", async () => {
    const contexts: unknown[] = [];
    const pipe = new Pipe({ name: "ctx" });
    pipe.addMiddleware((next, step) => {
      contexts.push({ ...step });
      return next;
    });
    pipe.step("s", () => {}, { retries: 2, timeout: 500 });
    await collect(pipe.run(undefined));
    expect(contexts).toEqual([{ name: "s", kind: "step", pipeName: "ctx", retries: 2, timeout: 500 }]);
  });

  it("can replace the result by never calling next (the handler does not run)", async () => {
    const handler = vi.fn();
    const pipe = new Pipe({ middleware: [() => () => undefined] });
    pipe.step("s", handler);
    const events = await collect(pipe.run(undefined));
    expect(handler).not.toHaveBeenCalled();
    expect(finishOf(events).status).toBe("success");
  });

  it("runs the handler twice when next is called twice; the returned value is the result", async () => {
    const handler = vi.fn();
    const pipe = new Pipe({
      middleware: [
        (next) => async (args) => {
          await next(args);
          return next(args);
        },
      ],
    });
    pipe.step("s", handler);
    await collect(pipe.run(undefined));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it("observes and transforms tokens of streaming steps", async () => {
    const pipe = new Pipe({
      middleware: [
        (next) =>
          async function* (args) {
            for await (const token of next(args) as AsyncGenerator<string>) yield `<${token}>`;
          },
      ],
    });
    pipe.step("s", async function* () {
      yield "a";
      yield "b";
    });
    const events = await collect(pipe.run(undefined));
    expect(events.filter((e) => e.type === EventType.TOKEN).map((e) => e.payload)).toEqual(["<a>", "<b>"]);
  });

  it("simpleLoggingMiddleware logs sync, async and streaming steps", async () => {
    const debug = vi.spyOn(console, "debug").mockImplementation(() => {});
    const pipe = new Pipe({ name: "logged", middleware: [simpleLoggingMiddleware] });
    pipe.step("c", async function* () {
      yield 1;
    });
    pipe.step("b", async () => {}, { to: "c" });
    pipe.step("a", () => {}, { to: "b" });
    await collect(pipe.run(undefined));
    const lines = debug.mock.calls.map((c) => String(c[0]));
    debug.mockRestore();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\[justpipe\] logged\/a took \d+\.\d\d ms$/);
    expect(lines[2]).toMatch(/logged\/c took/);
  });
});

describe("observers", () => {
  it("sees start, every delivered event in order, and the end", async () => {
    const seen: string[] = [];
    const observer: Observer = {
      onPipelineStart: (info) => void seen.push(`start:${info.pipeName}`),
      onEvent: (event) => void seen.push(event.type),
      onPipelineEnd: (end) => void seen.push(`end:${end.status}`),
    };
    const pipe = new Pipe({ name: "watched" });
    pipe.addObserver(observer);
    pipe.step("s", () => {});
    const events = await collect(pipe.run(undefined));
    expect(seen).toEqual(["start:watched", ...events.map((e) => e.type), "end:success"]);
  });

  it("gets onPipelineError with the primary error for failed runs", async () => {
    const errors: unknown[] = [];
    const pipe = new Pipe();
    pipe.addObserver({ onPipelineError: (error, end) => void errors.push([error, end.status]) });
    const boom = new Error("boom");
    pipe.step("s", () => {
      throw boom;
    });
    await collect(pipe.run(undefined));
    expect(errors).toEqual([[boom, "failed"]]);
  });

  it("isolates a throwing observer and reports it once", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    const pipe = new Pipe();
    pipe.addObserver({
      onEvent: () => {
        throw new Error("observer bug");
      },
    });
    pipe.step("s", () => {});
    const events = await collect(pipe.run(undefined));
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    assertRunInvariants(events);
    expect(finishOf(events).status).toBe("success");
    expect(warnings.filter((w) => w.includes("observer bug"))).toHaveLength(1);
  });

  it("awaits an async observer in order without holding up the consumer", async () => {
    const seen: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pipe = new Pipe();
    pipe.addObserver({
      onEvent: async (event) => {
        if (event.seq === 1) await gate;
        seen.push(event.seq);
      },
    });
    pipe.step("s", async function* () {
      for (let i = 0; i < 10; i++) yield i;
    });
    const delivered: PipeEvent[] = [];
    for await (const event of pipe.run(undefined)) {
      delivered.push(event);
      if (event.type === EventType.TOKEN && event.payload === 9) release();
    }
    expect(delivered.length).toBeGreaterThan(10);
    expect(seen).toEqual(delivered.map((e) => e.seq));
  });

  it("makes delivery wait when an async observer lags a full buffer behind", async () => {
    let observed = 0;
    const pipe = new Pipe();
    pipe.addObserver({
      onEvent: async () => {
        await new Promise((r) => setImmediate(r));
        observed++;
      },
    });
    pipe.step("s", async function* () {
      for (let i = 0; i < OBSERVER_BUFFER * 3; i++) yield i;
    });
    let maxLag = 0;
    let delivered = 0;
    for await (const _event of pipe.run(undefined)) {
      delivered++;
      maxLag = Math.max(maxLag, delivered - observed);
    }
    expect(maxLag).toBeLessThanOrEqual(OBSERVER_BUFFER + 1);
    expect(observed).toBe(delivered);
  });

  it("gives each run its own view", async () => {
    const runIds = new Set<string>();
    const pipe = new Pipe();
    pipe.addObserver({ onEvent: (_e, info) => void runIds.add(info.runId) });
    pipe.step("s", async () => new Promise<void>((r) => setTimeout(r, 2)));
    await Promise.all([collect(pipe.run(undefined)), collect(pipe.run(undefined))]);
    expect(runIds.size).toBe(2);
  });
});

describe("event hooks", () => {
  it("may enrich or rewrite events before delivery", async () => {
    const pipe = new Pipe();
    pipe.addEventHook((event) =>
      event.type === EventType.TOKEN ? { ...event, payload: String(event.payload).toUpperCase() } : event,
    );
    pipe.step("s", async function* () {
      yield "quiet";
    });
    const events = await collect(pipe.run(undefined));
    expect(events.find((e) => e.type === EventType.TOKEN)?.payload).toBe("QUIET");
    assertRunInvariants(events);
  });

  it("turns a throwing hook into an infra failure, never an unhandled rejection", async () => {
    const pipe = new Pipe();
    pipe.addEventHook((event) => {
      if (event.type === EventType.STEP_END) throw new Error("hook bug");
      return event;
    });
    pipe.step("s", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(finishOf(events)).toMatchObject({
      status: "failed",
      failureKind: "infra",
      failureSource: "framework",
      reason: "internal_error",
      error: "hook bug",
    });
  });
});

describe("meta", () => {
  it("puts step meta on the invocation's STEP_END, run meta on FINISH, and reads pipeline meta", async () => {
    const pipe = new Pipe({ metadata: { model: "gpt-x" } });
    pipe.step("s", ({ meta }) => {
      meta.step.set("model", meta.pipeline.get("model"));
      meta.step.tag("llm");
      meta.step.record("latency", 12);
      meta.step.record("latency", 8);
      meta.step.increment("calls");
      meta.run.increment("tokens", 40);
    });
    const events = await collect(pipe.run(undefined));
    const end = events.find((e) => e.type === EventType.STEP_END)!;
    expect(end.meta).toMatchObject({
      data: { model: "gpt-x" },
      tags: ["llm"],
      metrics: { latency: [12, 8] },
      counters: { calls: 1 },
      framework: { attempt: 1, status: "success" },
    });
    expect(events.at(-1)!.meta).toEqual({ counters: { tokens: 40 } });
  });

  it("keeps parallel steps' meta apart", async () => {
    const pipe = new Pipe();
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", async ({ meta }) => {
      meta.step.set("who", "a");
      await new Promise((r) => setTimeout(r, 2));
    });
    pipe.step("b", ({ meta }) => meta.step.set("who", "b"));
    const events = await collect(pipe.run(undefined));
    const who = (stage: string) =>
      (
        events.find((e) => e.type === EventType.STEP_END && e.stage === stage)!.meta as {
          data: { who: string };
        }
      ).data.who;
    expect([who("a"), who("b")]).toEqual(["a", "b"]);
  });
});

describe("debug log", () => {
  it("prints one readable line per event to stderr when debug is on", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const pipe = new Pipe({ name: "dbg", debug: true });
    pipe.step("s", async function* () {
      yield "tok";
    });
    const events = await collect(pipe.run(undefined));
    const lines = write.mock.calls.map((c) => String(c[0]));
    write.mockRestore();
    expect(lines).toHaveLength(events.length);
    expect(lines[0]).toMatch(/\[dbg\] #1 start/);
    expect(lines.some((l) => /token\s+s\s+"tok"/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/finish\s+system\s+success in/);
  });

  it("colours lines only for a TTY", () => {
    const event = { type: "step_start", stage: "s", seq: 2, attempt: 1, timestamp: 0, meta: null } as never;
    expect(formatDebugLine("p", event, false)).toBe("00:00:00.000 [p] #2 step_start      s");
    expect(formatDebugLine("p", event, true)).toContain("\x1b[");
  });
});

describe("what observers and consumers see alike", () => {
  it("puts STEP_END meta on the event before anyone sees it", async () => {
    const seen: unknown[] = [];
    const pipe = new Pipe({ name: "r" });
    pipe.step("slow", async ({ meta }) => {
      meta.step.set("k", 1);
      await new Promise((r) => setTimeout(r, 2));
    });
    pipe.addObserver({ onEvent: (e) => void (e.type === EventType.STEP_END && seen.push(e.meta)) });
    const events = await collect(pipe.run(undefined));
    const consumer = events.find((e) => e.type === EventType.STEP_END)!.meta;
    expect(seen).toEqual([consumer]);
    expect(consumer).toMatchObject({ data: { k: 1 }, framework: { status: "success" } });
  });

  it("marks a step its error handler recovered as `recovered`, with the error", async () => {
    const pipe = new Pipe();
    pipe.step(
      "flaky",
      () => {
        throw new Error("transient");
      },
      { onError: () => undefined },
    );
    const events = await collect(pipe.run(undefined));
    const end = events.find((e) => e.type === EventType.STEP_END)!;
    expect(end.meta).toMatchObject({ framework: { status: "recovered", error: "transient", attempt: 1 } });
  });
});

describe("the handler argument", () => {
  it("reads signal lazily; a spread copy carries it when copied explicitly", async () => {
    const seen: boolean[] = [];
    const pipe = new Pipe({
      middleware: [(next) => (args) => next({ ...args, signal: args.signal, stepName: `${args.stepName}!` })],
    });
    pipe.step(
      "s",
      ({ signal, stepName }) => void seen.push(signal instanceof AbortSignal && stepName === "s!"),
    );
    await collect(pipe.run(undefined));
    expect(seen).toEqual([true]);
  });
});
