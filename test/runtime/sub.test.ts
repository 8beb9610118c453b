import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf, trace } from "../helpers.js";

describe("sub-pipelines", () => {
  it("runs the child on the state the handler returns and forwards its events", async () => {
    const child = new Pipe<{ text: string; words?: number }>({ name: "child" });
    child.step("count", async function* ({ state }) {
      state.words = state.text.split(" ").length;
      yield state.words;
    });
    const pipe = new Pipe<{ doc: string; childState?: { text: string; words?: number } }>({ name: "parent" });
    pipe.sub("analyze", ({ state }) => (state.childState = { text: state.doc }), {
      pipeline: child,
      to: "after",
    });
    pipe.step("after", () => {});
    const state: { doc: string; childState?: { text: string; words?: number } } = { doc: "a b c" };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.childState?.words).toBe(3);
    expect(trace(events)).toEqual([
      "start:system",
      "step_start:analyze",
      "start:analyze:system",
      "step_start:analyze:count",
      "token:analyze:count",
      "step_end:analyze:count",
      "finish:analyze:system",
      "step_end:analyze",
      "step_start:after",
      "step_end:after",
      "finish:system",
    ]);
    const top = events.filter((e) => e.type === EventType.FINISH && e.parentRunId === null);
    expect(top).toHaveLength(1);
  });

  it("gives the child the parent's context and runs the child's own hooks", async () => {
    const log: string[] = [];
    const child = new Pipe<object, { user: string }>({ name: "child" });
    child.onStartup(({ ctx }) => void log.push(`child-start:${ctx.user}`));
    child.onShutdown(() => void log.push("child-stop"));
    child.step("work", ({ ctx }) => void log.push(`work:${ctx.user}`));
    const pipe = new Pipe<object, { user: string }>();
    pipe.sub("run_child", () => ({}), { pipeline: child });
    await collect(pipe.run({}, { context: { user: "ada" } }));
    expect(log).toEqual(["child-start:ada", "work:ada", "child-stop"]);
  });

  it("fails the sub step when the child fails, with failedStep '<sub>:<child step>'", async () => {
    const child = new Pipe({ name: "child" });
    child.step("explode", () => {
      throw new RangeError("child broke");
    });
    const pipe = new Pipe();
    pipe.sub("run_child", () => ({}), { pipeline: child, to: "after" });
    pipe.step("after", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(trace(events, ["step_start"])).not.toContain("step_start:after");
    const end = finishOf(events);
    expect(end).toMatchObject({ status: "failed", failureKind: "step", failedStep: "run_child:explode" });
    expect(end.error).toMatch(/child broke/);
    expect(trace(events, ["step_error"])).toEqual(["step_error:run_child:explode", "step_error:run_child"]);
  });

  it("composes three levels with lineage on every forwarded event", async () => {
    const leaf = new Pipe({ name: "leaf" });
    leaf.step("leafStep", async function* () {
      yield "deep";
    });
    const middle = new Pipe({ name: "middle" });
    middle.sub("b", () => ({}), { pipeline: leaf });
    const top = new Pipe({ name: "top" });
    top.sub("a", () => ({}), { pipeline: middle });
    const events = await collect(top.run(undefined));
    assertRunInvariants(events);
    const runId = events[0]!.runId;
    const aStart = events.find((e) => e.type === EventType.STEP_START && e.stage === "a")!;
    const token = events.find((e) => e.type === EventType.TOKEN)! as PipeEvent<unknown>;
    expect(token.stage).toBe("a:b:leafStep");
    expect(token.scope).toEqual(["a", "b"]);
    expect(token.payload).toBe("deep");
    const middleStart = events.find((e) => e.type === EventType.START && e.stage === "a:system")!;
    const leafStart = events.find((e) => e.type === EventType.START && e.stage === "a:b:system")!;
    const middleRun = middleStart.originRunId;
    const leafRun = leafStart.originRunId;
    expect(new Set([runId, middleRun, leafRun]).size).toBe(3);
    expect(middleStart.parentRunId).toBe(middleRun);
    expect(leafStart.parentRunId).toBe(middleRun);
    expect(token.originRunId).toBe(leafRun);
    expect(token.parentRunId).toBe(middleRun);
    for (const e of events) {
      expect(e.runId).toBe(runId);
      if (e.stage.startsWith("a:")) {
        expect(e.parentRunId).not.toBeNull();
        if (e.stage.startsWith("a:b:")) expect(e.originRunId).toBe(leafRun);
        else expect(e.originRunId).toBe(middleRun);
      } else expect(e.parentRunId).toBeNull();
    }
    const bStart = events.find((e) => e.type === EventType.STEP_START && e.stage === "a:b")!;
    expect(bStart.parentInvocationId).toBe(aStart.invocationId);
    const leafStepStart = events.find((e) => e.type === EventType.STEP_START && e.stage === "a:b:leafStep")!;
    expect(leafStepStart.parentInvocationId).toBe(bStart.invocationId);
    expect(events.filter((e) => e.type === EventType.FINISH && e.parentRunId === null)).toHaveLength(1);
  });

  it("composes a nested failure's step as 'a:b:step'", async () => {
    const leaf = new Pipe({ name: "leaf" });
    leaf.step("bad", () => {
      throw new Error("deep failure");
    });
    const middle = new Pipe({ name: "middle" });
    middle.sub("b", () => ({}), { pipeline: leaf });
    const top = new Pipe({ name: "top" });
    top.sub("a", () => ({}), { pipeline: middle });
    const end = finishOf(await collect(top.run(undefined)));
    expect(end.failedStep).toBe("a:b:bad");
  });

  it("suspends the parent when the child suspends", async () => {
    const { Suspend } = await import("../../src/index.js");
    const child = new Pipe({ name: "child" });
    child.step("ask", () => new Suspend({ reason: "human input" }));
    const pipe = new Pipe();
    pipe.sub("run_child", () => ({}), { pipeline: child, to: "after" });
    pipe.step("after", () => {});
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(finishOf(events).status).toBe("suspended");
    expect(trace(events, ["suspend"])).toEqual(["suspend:run_child:ask"]);
    expect(trace(events, ["step_start"])).not.toContain("step_start:after");
  });
});

describe("sub-pipelines as map workers", () => {
  it("scope forwarded events with the worker's own scope, so concurrent children stay apart", async () => {
    const child = new Pipe<{ doc: number }>({ name: "perDocChild" });
    child.step("summarize", async function* ({ state }) {
      yield state.doc;
    });
    const pipe = new Pipe();
    pipe.map("fan", () => [1, 2], { each: "perDoc" });
    pipe.sub("perDoc", ({ item }) => ({ doc: item as number }), { pipeline: child });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    const tokens = events.filter((e) => e.type === EventType.TOKEN);
    expect(tokens.map((t) => [t.payload, t.scope])).toEqual(
      expect.arrayContaining([
        [1, ["perDoc[0]", "perDoc"]],
        [2, ["perDoc[1]", "perDoc"]],
      ]),
    );
  });
});
