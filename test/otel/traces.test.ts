import { SpanStatusCode } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { Pipe, SimulatedClock, type StepArgs } from "../../src/index.js";
import { instrument } from "../../src/otel/index.js";
import { drain, only, spanTree, useTracing } from "./support.js";

const { exporter, tracerProvider } = useTracing();

describe("instrument: the span tree", () => {
  it("a chain is one run span with a step span per invocation, attributes set", async () => {
    const pipe = new Pipe({ name: "chain" });
    pipe.step("a", () => {}, { to: "b" });
    pipe.step("b", async () => {}, { to: "c" });
    pipe.step("c", () => {});
    instrument(pipe, { tracerProvider });
    const events = await drain(pipe.run({}));
    const spans = exporter.getFinishedSpans();
    expect(spanTree(spans)).toEqual(["run chain", "  step a", "  step b", "  step c"]);
    const runId = events[0]!.runId;
    expect(only(spans, "step b").attributes).toEqual({
      "justpipe.pipe": "chain",
      "justpipe.run_id": runId,
      "justpipe.step": "b",
      "justpipe.step.kind": "step",
      "justpipe.invocation_id": `${runId}:2`,
      "justpipe.parent_invocation_id": `${runId}:1`,
      "justpipe.attempt": 1,
      "justpipe.status": "success",
    });
    expect(only(spans, "run chain").attributes).toMatchObject({
      "justpipe.pipe": "chain",
      "justpipe.run_id": runId,
      "justpipe.status": "success",
    });
    expect(only(spans, "run chain").status.code).toBe(SpanStatusCode.UNSET);
  });

  it("a fan-out and join: branches are siblings, the barrier wait and release are run span events", async () => {
    const clock = new SimulatedClock(0);
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    const pipe = new Pipe({ name: "fan", clock });
    pipe.step("plan", () => {}, { to: ["fast", "slow"] });
    pipe.step("fast", () => sleep(1), { to: "merge" });
    pipe.step("slow", () => sleep(5), { to: "merge" });
    pipe.step("merge", () => {});
    instrument(pipe, { tracerProvider });
    const running = drain(pipe.run({}));
    await clock.runAll();
    await running;
    const spans = exporter.getFinishedSpans();
    expect(spanTree(spans)).toEqual(["run fan", "  step plan", "  step fast", "  step slow", "  step merge"]);
    const run = only(spans, "run fan");
    expect(run.events.map((e) => [e.name, e.attributes])).toEqual([
      ["justpipe.barrier.wait", { "justpipe.step": "merge", "justpipe.barrier.waiting_for": ["slow"] }],
      ["justpipe.barrier.release", { "justpipe.step": "merge", "justpipe.barrier.wait_ms": 4 }],
    ]);
  });

  it("a map: each worker is a step span under the map's span, with its index", async () => {
    const pipe = new Pipe<{ items: string[] }>({ name: "mapped" });
    pipe.map("fan", ({ state }) => state.items, { each: "work", to: "done" });
    pipe.step("work", async () => {});
    pipe.step("done", () => {});
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({ items: ["x", "y", "z"] }));
    const spans = exporter.getFinishedSpans();
    expect(
      spanTree(
        spans,
        (s) =>
          `${s.name}${s.attributes["justpipe.map.index"] === undefined ? "" : ` #${s.attributes["justpipe.map.index"]}`}`,
      ),
    ).toEqual([
      "run mapped",
      "  step fan",
      "    step work #0",
      "    step work #1",
      "    step work #2",
      "  step done",
    ]);
    expect(only(spans, "step fan").events.map((e) => [e.name, e.attributes])).toEqual([
      ["justpipe.map.start", { "justpipe.map.target": "work", "justpipe.map.item_count": 3 }],
      ["justpipe.map.complete", { "justpipe.map.target": "work", "justpipe.map.item_count": 3 }],
    ]);
  });

  it("a sub-pipeline's run nests under its sub step's span", async () => {
    const child = new Pipe<{ q: string }>({ name: "child" });
    child.step("inner", () => {}, { to: "leaf" });
    child.step("leaf", () => {});
    const parent = new Pipe<{ q: string }>({ name: "parent" });
    parent.step("prep", () => {}, { to: "delegate" });
    parent.sub("delegate", ({ state }) => ({ q: state.q }), { pipeline: child, to: "after" });
    parent.step("after", () => {});
    instrument(child, { tracerProvider });
    instrument(parent, { tracerProvider });
    await drain(parent.run({ q: "tea" }));
    expect(spanTree(exporter.getFinishedSpans())).toEqual([
      "run parent",
      "  step prep",
      "  step delegate",
      "    run child",
      "      step inner",
      "      step leaf",
      "  step after",
    ]);
  });

  it("retries are separate spans of the same step, attempts 1, 2, 3; failed attempts record the error", async () => {
    const pipe = new Pipe({ name: "retrying" });
    let calls = 0;
    pipe.step(
      "flaky",
      () => {
        if (++calls < 3) throw new Error(`attempt ${calls} failed`);
      },
      { retries: 2 },
    );
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({}));
    const steps = exporter.getFinishedSpans().filter((s) => s.name === "step flaky");
    expect(
      steps.map((s) => [
        s.attributes["justpipe.attempt"],
        s.attributes["justpipe.status"],
        s.status.code,
        s.attributes["justpipe.retrying"],
      ]),
    ).toEqual([
      [1, "error", SpanStatusCode.ERROR, true],
      [2, "error", SpanStatusCode.ERROR, true],
      [3, "success", SpanStatusCode.UNSET, undefined],
    ]);
    expect(steps[0]!.events[0]).toMatchObject({
      name: "exception",
      attributes: { "exception.message": "attempt 1 failed", "exception.type": "Error" },
    });
    expect(new Set(steps.map((s) => s.attributes["justpipe.invocation_id"])).size).toBe(3);
    expect(spanTree(exporter.getFinishedSpans())[0]).toBe("run retrying");
  });

  it("a failure: the step span records the exception with status ERROR, and so does the run span", async () => {
    const pipe = new Pipe({ name: "failing" });
    pipe.step("boom", () => {
      throw new TypeError("bad input");
    });
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({}));
    const spans = exporter.getFinishedSpans();
    const step = only(spans, "step boom");
    expect(step.status).toEqual({ code: SpanStatusCode.ERROR, message: "bad input" });
    expect(step.events.map((e) => e.attributes?.["exception.type"])).toEqual(["TypeError"]);
    const run = only(spans, "run failing");
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: "bad input" });
    expect(run.attributes).toMatchObject({
      "justpipe.status": "failed",
      "justpipe.failed_step": "boom",
      "justpipe.failure_kind": "step",
      "justpipe.failure_source": "user_code",
    });
    expect(run.events.map((e) => e.name)).toEqual(["exception"]);
  });

  it("a step timeout fails its span; a run timeout is a run span event and cancels the open steps", async () => {
    const clock = new SimulatedClock(0);
    const hang = ({ signal }: StepArgs) =>
      new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const pipe = new Pipe({ name: "slow", clock, allowMultiRoot: true });
    pipe.step("stuck", hang, { timeout: 100 });
    pipe.step("long", hang);
    instrument(pipe, { tracerProvider });
    const running = drain(pipe.run({}, { timeout: 500 }));
    await clock.runAll();
    await running;
    const spans = exporter.getFinishedSpans();
    const stuck = only(spans, "step stuck");
    expect(stuck.status.code).toBe(SpanStatusCode.ERROR);
    expect(stuck.status.message).toContain("timed out after 100 ms");
    const long = only(spans, "step long");
    expect(long.attributes["justpipe.status"]).toBe("cancelled");
    expect(long.events.map((e) => e.name)).toEqual(["justpipe.cancelled"]);
    const run = only(spans, "run slow");
    expect(run.attributes["justpipe.status"]).toBe("failed");
  });

  it("a run timeout alone: the run span gets a timeout event and status ERROR", async () => {
    const clock = new SimulatedClock(0);
    const pipe = new Pipe({ name: "late", clock });
    pipe.step(
      "wait",
      ({ signal }) =>
        new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    );
    instrument(pipe, { tracerProvider });
    const running = drain(pipe.run({}, { timeout: 50 }));
    await clock.runAll();
    await running;
    const spans = exporter.getFinishedSpans();
    const run = only(spans, "run late");
    expect(run.events.map((e) => [e.name, e.attributes?.reason])).toEqual([
      ["justpipe.timeout", "Run exceeded its timeout of 50 ms"],
    ]);
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes["justpipe.status"]).toBe("timeout");
    expect(only(spans, "step wait").attributes["justpipe.status"]).toBe("cancelled");
  });

  it("a cancellation: a run span event, cancelled step spans, and no ERROR status", async () => {
    const controller = new AbortController();
    const pipe = new Pipe({ name: "cancel" });
    pipe.step("wait", ({ signal }) => {
      queueMicrotask(() => controller.abort("user left"));
      return new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({}, { signal: controller.signal }));
    const spans = exporter.getFinishedSpans();
    const run = only(spans, "run cancel");
    expect(run.events.map((e) => [e.name, e.attributes?.reason])).toEqual([
      ["justpipe.cancelled", "Run cancelled: user left"],
    ]);
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    expect(run.attributes["justpipe.status"]).toBe("cancelled");
    const step = only(spans, "step wait");
    expect(step.attributes["justpipe.status"]).toBe("cancelled");
    expect(step.events.map((e) => e.name)).toEqual(["justpipe.cancelled"]);
  });
});
