import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe, PipeFrozenError } from "../../src/index.js";
import { instrument } from "../../src/otel/index.js";
import { drain, spanTree, useTracing } from "./support.js";

const { exporter, tracerProvider, tracer } = useTracing();

type Query = { q: string };

function childPipe(name = "child") {
  const child = new Pipe<Query>({ name });
  child.step("inner", () => {}, { to: "leaf" });
  child.step("leaf", () => {
    tracer.startSpan("user work").end();
  });
  return child;
}

/** The tree with map indexes shown (`step work #1`). */
const indexed = (s: { name: string; attributes: Record<string, unknown> }) =>
  `${s.name}${s.attributes["justpipe.map.index"] === undefined ? "" : ` #${String(s.attributes["justpipe.map.index"])}`}`;

describe("instrument: sub-pipelines are covered by their parent's instrument()", () => {
  it("a sub-pipeline's run nests under its sub step's span with only the parent instrumented", async () => {
    const child = childPipe();
    const parent = new Pipe<Query>({ name: "parent" });
    parent.step("prep", () => {}, { to: "delegate" });
    parent.sub("delegate", async ({ state }) => ({ q: state.q }), { pipeline: child, to: "after" });
    parent.step("after", () => {});
    instrument(parent, { tracerProvider });
    await drain(parent.run({ q: "tea" }));
    expect(spanTree(exporter.getFinishedSpans())).toEqual([
      "run parent",
      "  step prep",
      "  step delegate",
      "    run child",
      "      step inner",
      "      step leaf",
      "        user work",
      "  step after",
    ]);
  });

  it("map workers that are sub-pipelines: each child run nests under its worker's span", async () => {
    const child = childPipe();
    const parent = new Pipe<{ items: string[] }>({ name: "fan" });
    parent.map("split", ({ state }) => state.items, { each: "work", to: "done" });
    parent.sub("work", async ({ item }) => ({ q: item as string }), { pipeline: child });
    parent.step("done", () => {});
    instrument(parent, { tracerProvider });
    await drain(parent.run({ items: ["a", "b"] }));
    const tree = spanTree(exporter.getFinishedSpans(), indexed);
    expect(tree).toEqual([
      "run fan",
      "  step split",
      "    step work #0",
      "      run child",
      "        step inner",
      "        step leaf",
      "          user work",
      "    step work #1",
      "      run child",
      "        step inner",
      "        step leaf",
      "          user work",
      "  step done",
    ]);
  });

  it("two sub steps handing their child the same state object: each child run under its own step", async () => {
    const child = childPipe();
    const shared = { q: "same" };
    const parent = new Pipe<Query>({ name: "twins" });
    parent.step("prep", () => {}, { to: ["left", "right"] });
    parent.sub("left", async () => shared, { pipeline: child });
    parent.sub("right", async () => shared, { pipeline: child });
    instrument(parent, { tracerProvider });
    await drain(parent.run({ q: "x" }));
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === "run child");
    const parents = runs.map(
      (run) => spans.find((s) => s.spanContext().spanId === run.parentSpanContext?.spanId)?.name,
    );
    expect(parents.sort()).toEqual(["step left", "step right"]);
  });

  it("sub-pipelines nest at every depth", async () => {
    const leaf = childPipe("leaf-pipe");
    const middle = new Pipe<Query>({ name: "middle" });
    middle.sub("deeper", ({ state }) => ({ q: state.q }), { pipeline: leaf });
    const top = new Pipe<Query>({ name: "top" });
    top.sub("down", ({ state }) => ({ q: state.q }), { pipeline: middle });
    instrument(top, { tracerProvider });
    await drain(top.run({ q: "z" }));
    expect(spanTree(exporter.getFinishedSpans())).toEqual([
      "run top",
      "  step down",
      "    run middle",
      "      step deeper",
      "        run leaf-pipe",
      "          step inner",
      "          step leaf",
      "            user work",
    ]);
  });

  it("a child instrumented on its own keeps it; one covered by a parent may take its own; removal covers children", async () => {
    const own = childPipe("own");
    expect(() => instrument(own, { tracerProvider })).not.toThrow();
    const parent = new Pipe<Query>({ name: "parent" });
    parent.sub("delegate", ({ state }) => ({ q: state.q }), { pipeline: own });
    instrument(parent, { tracerProvider });
    // The parent covers its children: instrumenting the parent again is still refused.
    expect(() => instrument(parent, { tracerProvider })).toThrow(DefinitionError);

    const covered = childPipe("covered");
    const other = new Pipe<Query>({ name: "other" });
    other.sub("delegate", ({ state }) => ({ q: state.q }), { pipeline: covered });
    const removeOther = instrument(other, { tracerProvider });
    // Its own instrument() replaces the inherited one (no double spans), and stays after the
    // parent's removal.
    instrument(covered, { tracerProvider });
    removeOther();
    await drain(other.run({ q: "a" }));
    expect(spanTree(exporter.getFinishedSpans())).toEqual([
      "run covered",
      "  step inner",
      "  step leaf",
      "    user work",
    ]);

    exporter.reset();
    const lone = childPipe("lone");
    const host = new Pipe<Query>({ name: "host" });
    host.sub("delegate", ({ state }) => ({ q: state.q }), { pipeline: lone });
    instrument(host, { tracerProvider })();
    await drain(host.run({ q: "b" }));
    // Only the handler's own span is left, with no step span to nest under.
    expect(spanTree(exporter.getFinishedSpans())).toEqual(["user work"]);
  });
});

describe("instrument: a sub-pipeline that already ran", () => {
  it("is frozen: the parent's instrument() fails with its PipeFrozenError and adds nothing", async () => {
    const child = childPipe("ran");
    await drain(child.run({ q: "before" }));
    const parent = new Pipe<Query>({ name: "late" });
    parent.sub("delegate", ({ state }) => ({ q: state.q }), { pipeline: child });
    expect(() => instrument(parent, { tracerProvider })).toThrow(PipeFrozenError);
    exporter.reset();
    await drain(parent.run({ q: "after" }));
    // Nothing was left on the parent: only the handler's own span.
    expect(spanTree(exporter.getFinishedSpans())).toEqual(["user work"]);
  });
});
