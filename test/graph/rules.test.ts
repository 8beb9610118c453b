// One unit test (or a few) per validation rule of graph/rules/: each rule is a pure function
// from part of the graph to its issues. test/graph/validate.test.ts covers them through Pipe.
import { describe, expect, it } from "vitest";
import type { Edges } from "../../src/graph/algorithms.js";
import { analyzeGraph } from "../../src/graph/plan.js";
import { allReachable } from "../../src/graph/rules/all-reachable.js";
import { entryPoint } from "../../src/graph/rules/entry-point.js";
import { joinNotSplitByLoop } from "../../src/graph/rules/join-not-split-by-loop.js";
import { knownStart } from "../../src/graph/rules/known-start.js";
import { mapNotItsOwnWorker } from "../../src/graph/rules/map-not-its-own-worker.js";
import { mapWorkerWithoutTo } from "../../src/graph/rules/map-worker-without-to.js";
import { noStaticCycle } from "../../src/graph/rules/no-static-cycle.js";
import { singleRoot } from "../../src/graph/rules/single-root.js";
import { startReachesJoinParents } from "../../src/graph/rules/start-reaches-join-parents.js";
import { unknownTarget } from "../../src/graph/rules/unknown-target.js";
import { resolveTargets } from "../../src/graph/targets.js";
import type { StepDefinition } from "../../src/model/step-definition.js";

let registered = 0;
/** A step definition with the defaults `pipe.step` gives. */
function step(name: string, options: Partial<StepDefinition> = {}): StepDefinition {
  return {
    name,
    kind: "step",
    handler: () => undefined,
    to: [],
    routes: [],
    retries: 0,
    timeout: undefined,
    barrierTimeout: undefined,
    barrierType: "all",
    onError: undefined,
    index: registered++,
    ...options,
  };
}

const byName = (name: string | ((args: unknown) => unknown)) => (typeof name === "string" ? name : undefined);
const edgesOf =
  (graph: Record<string, string[]>): Edges =>
  (name) =>
    graph[name] ?? [];

describe("rule unknownTarget", () => {
  const names = new Set(["fetch", "parse"]);
  it("suggests the closest name for a misspelt step", () => {
    expect(unknownTarget("fetch", "to", "prase", names).message).toContain("Did you mean 'parse'?");
  });
  it("lists the steps when nothing is close", () => {
    expect(unknownTarget("fetch", "to", "zzzzzz", names).message).toContain("Available steps: fetch, parse.");
  });
  it("names an unregistered function", () => {
    function helper() {}
    expect(unknownTarget("fetch", "each", helper, names)).toEqual({
      step: "fetch",
      message:
        "Step 'fetch' has `each` pointing at function helper, which is not registered on this pipe. Register it with pipe.step(...) first, or pass the step's name.",
    });
  });
});

describe("rule mapNotItsOwnWorker", () => {
  it("reports a map that is its own worker, and maps that are each other's, once each", () => {
    const definitions = [
      step("self", { kind: "map", each: "self" }),
      step("left", { kind: "map", each: "right" }),
      step("right", { kind: "map", each: "left" }),
      step("outer", { kind: "map", each: "work" }),
      step("work"),
    ];
    const issues = mapNotItsOwnWorker(definitions, resolveTargets(definitions, byName));
    expect(issues.map((issue) => issue.step)).toEqual(["self", "left"]);
    expect(issues[1]!.message).toContain("left -> right -> left");
  });
});

describe("rule mapWorkerWithoutTo", () => {
  it("reports a map worker with its own `to`, and nothing for a worker without one", () => {
    const definitions = [
      step("items", { kind: "map", each: "work", to: ["done"] }),
      step("work", { to: ["done"] }),
      step("done"),
    ];
    const issues = mapWorkerWithoutTo(definitions, resolveTargets(definitions, byName));
    expect(issues.map((issue) => issue.step)).toEqual(["work"]);
    const fine = [step("items", { kind: "map", each: "work" }), step("work")];
    expect(mapWorkerWithoutTo(fine, resolveTargets(fine, byName))).toEqual([]);
  });
});

describe("rule noStaticCycle", () => {
  it("reports each cycle of `to` edges as a path", () => {
    const definitions = [step("a"), step("b"), step("c")];
    const successors = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
    ]);
    expect(noStaticCycle(definitions, successors)[0]!.message).toContain("a -> b -> c -> a");
    expect(noStaticCycle(definitions, new Map([["a", ["b"]]]))).toEqual([]);
  });
});

describe("rule knownStart", () => {
  it("accepts no start or a registered one, reports an unknown one", () => {
    const names = new Set(["load", "save"]);
    expect(knownStart(undefined, names)).toEqual([]);
    expect(knownStart("load", names)).toEqual([]);
    expect(knownStart("lod", names)[0]).toMatchObject({ step: "lod" });
  });
});

describe("rule entryPoint", () => {
  it("reports a pipe without any root", () => {
    expect(entryPoint([])[0]!.message).toContain("no entry point");
    expect(entryPoint(["a"])).toEqual([]);
  });
});

describe("rule singleRoot", () => {
  it("reports several roots unless allowMultiRoot", () => {
    expect(singleRoot(["a", "b"], false)).toEqual([
      expect.objectContaining({ step: "b", message: expect.stringContaining("2 root steps (a, b)") }),
    ]);
    expect(singleRoot(["a", "b"], true)).toEqual([]);
    expect(singleRoot(["a"], false)).toEqual([]);
  });
});

describe("rule allReachable", () => {
  it("reports the steps no root reaches", () => {
    const definitions = [step("a"), step("b"), step("island")];
    const issues = allReachable(definitions, ["a"], edgesOf({ a: ["b"] }));
    expect(issues).toEqual([expect.objectContaining({ step: "island" })]);
    expect(allReachable(definitions, ["a", "island"], edgesOf({ a: ["b"] }))).toEqual([]);
  });
});

describe("rule joinNotSplitByLoop", () => {
  it("reports an all-join fed both by a loop back into it and by a parent outside the loop", () => {
    const definitions = [
      step("start", { to: ["join"] }),
      step("join", { to: ["again"] }),
      step("again", { to: ["join"] }),
    ];
    const { plan } = analyzeGraph(definitions, byName, { allowMultiRoot: false });
    const edges: Edges = (name) => plan.nodes.get(name)!.successors;
    expect(joinNotSplitByLoop(plan.nodes, edges, ["start"])).toEqual([
      expect.objectContaining({
        step: "join",
        message: expect.stringContaining("'again' only runs after 'join'"),
      }),
    ]);
  });
  it("accepts an ordinary fan-in", () => {
    const definitions = [
      step("a", { to: ["b", "c"] }),
      step("b", { to: ["d"] }),
      step("c", { to: ["d"] }),
      step("d"),
    ];
    const { plan } = analyzeGraph(definitions, byName, { allowMultiRoot: false });
    expect(joinNotSplitByLoop(plan.nodes, (name) => plan.nodes.get(name)!.successors, ["a"])).toEqual([]);
  });
  it("accepts a returned jump back into a parent when the join's first wave can gather", () => {
    const definitions = [
      step("a", { to: ["b", "c"] }),
      step("b", { to: ["j"] }),
      step("c", { to: ["j"] }),
      step("j"),
    ];
    const { plan } = analyzeGraph(definitions, byName, { allowMultiRoot: false });
    const edges: Edges = (name) => (name === "j" ? ["b"] : plan.nodes.get(name)!.successors);
    expect(joinNotSplitByLoop(plan.nodes, edges, ["a"])).toEqual([]);
  });
});

describe("rule startReachesJoinParents", () => {
  it("reports an all-join whose parents a start cannot all reach", () => {
    const definitions = [
      step("a", { to: ["b", "c"] }),
      step("b", { to: ["d"] }),
      step("c", { to: ["d"] }),
      step("d"),
    ];
    const { plan } = analyzeGraph(definitions, byName, { allowMultiRoot: false });
    const edges: Edges = (name) => plan.nodes.get(name)!.successors;
    expect(startReachesJoinParents("b", plan.nodes, edges)).toEqual([
      expect.objectContaining({ step: "d", message: expect.stringContaining("cannot reach c") }),
    ]);
    expect(startReachesJoinParents("a", plan.nodes, edges)).toEqual([]);
  });
});
