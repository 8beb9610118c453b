// The scale-out semantic suite in process: the isolated executor gives each handler a copy of the
// state and applies its delta when it ends, as worker processes do. Needs no Redis.
import { EventType, isolatedExecutor, Pipe, type PipeEvent, StateConflictError } from "justpipe";
import { describe, expect, it } from "vitest";
import { collect, finishOf } from "../helpers.js";
import { checkDocsRun, type LogEntry } from "./docs-checks.js";
import { type DocsContext, type DocsState, docs, initialDocsState } from "./fixtures/docs-pipe.js";

function recorder(): { context: DocsContext; log: LogEntry[] } {
  const log: LogEntry[] = [];
  return {
    log,
    context: { log: (phase, id, attempt, key) => log.push({ phase, id, attempt, key, pid: process.pid }) },
  };
}

describe("isolatedExecutor", () => {
  it("runs the docs pipeline (fan-out and join, switch, map of 2,000) like in process", async () => {
    const { context, log } = recorder();
    const state = initialDocsState(2000);
    const events: PipeEvent<DocsState>[] = await collect(
      docs.run(state, { context, executor: isolatedExecutor() }),
    );
    expect(checkDocsRun(events, state, 2000)).toEqual(new Set());
    expect(log.filter((e) => e.phase === "start")).toHaveLength(2000);
    expect(new Set(log.map((e) => e.key)).size).toBe(2000);
  });

  it("keeps a handler's writes private until its step ends, then applies them", async () => {
    const pipe = new Pipe<{ seen: string[]; value: number }>({ name: "copies" });
    const join = pipe.step("join", ({ state }) => {
      state.seen.push(`join saw ${state.value}`);
    });
    let written!: () => void;
    const writtenYet = new Promise<void>((resolve) => {
      written = resolve;
    });
    const reader = pipe.step(
      "reader",
      async ({ state }) => {
        await writtenYet;
        state.seen.push(`reader saw ${state.value}`);
      },
      { to: join },
    );
    const writer = pipe.step(
      "writer",
      async ({ state }) => {
        state.value = 1;
        written();
        await new Promise((resolve) => setTimeout(resolve, 20));
      },
      { to: join },
    );
    pipe.step("start", () => {}, { to: [reader, writer] });
    const state = { seen: [] as string[], value: 0 };
    const events = await collect(pipe.run(state, { executor: isolatedExecutor() }));
    expect(finishOf(events).status).toBe("success");
    expect(state).toEqual({ seen: ["reader saw 0", "join saw 1"], value: 1 });
  });

  it("fails the second of two concurrent writes to one path, unless last-writer-wins", async () => {
    const build = () => {
      const pipe = new Pipe<{ summary: string }>({ name: "conflict" });
      const join = pipe.step("join", () => {});
      const slow = pipe.step(
        "slow",
        async ({ state }) => {
          await new Promise((resolve) => setTimeout(resolve, 10));
          state.summary = "slow";
        },
        { to: join },
      );
      const fast = pipe.step(
        "fast",
        ({ state }) => {
          state.summary = "fast";
        },
        { to: join },
      );
      pipe.step("start", () => {}, { to: [slow, fast] });
      return pipe;
    };
    const state = { summary: "" };
    const events = await collect(build().run(state, { executor: isolatedExecutor() }));
    const end = finishOf(events);
    expect(end.status).toBe("failed");
    expect(end.failedStep).toBe("slow");
    const error = events.find((e) => e.type === EventType.STEP_ERROR)!.payload as { error: unknown };
    expect(error.error).toBeInstanceOf(StateConflictError);
    expect(state.summary).toBe("fast");

    const lww = { summary: "" };
    const won = await collect(
      build().run(lww, { executor: isolatedExecutor(), stateConflict: "last-writer-wins" }),
    );
    expect(finishOf(won).status).toBe("success");
    expect(lww.summary).toBe("slow");
  });

  it("ends a run promptly on timeout even if a handler ignores its signal", async () => {
    const pipe = new Pipe<object>({ name: "stuck" });
    pipe.step("stuck", () => new Promise(() => {}));
    const events = await collect(pipe.run({}, { executor: isolatedExecutor(), timeout: 50 }));
    expect(finishOf(events).status).toBe("timeout");
  });

  it("refuses an executor that is not one", async () => {
    const pipe = new Pipe<object>({ name: "bad" });
    pipe.step("only", () => {});
    await expect(collect(pipe.run({}, { executor: {} as never }))).rejects.toThrow(
      /expected `executor` to be a StepExecutor/,
    );
  });
});
