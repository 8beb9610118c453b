import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe, Stop } from "../../src/index.js";
import { fixtures } from "./fixtures.js";

describe("pipe.describe()", () => {
  it("lists nodes, edges, groups, roots and hooks with a stable key order", () => {
    const description = fixtures.kitchenSink!().describe();
    expect(Object.keys(description)).toEqual([
      "name",
      "hash",
      "nodes",
      "edges",
      "groups",
      "roots",
      "hooks",
      "metadata",
    ]);
    expect(description.name).toBe("kitchen-sink");
    expect(description.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(description.nodes.map((n) => [n.name, n.kind])).toEqual([
      ["start", "step"],
      ["fetchA", "step"],
      ["fetchB", "step"],
      ["combine", "step"],
      ["fan", "map"],
      ["worker", "step"],
      ["route", "switch"],
      ["delegate", "sub"],
      ["fallback", "step"],
      ["helperUtil", "step"],
    ]);
    expect(description.edges).toEqual([
      { source: "start", target: "fetchA", kind: "static" },
      { source: "start", target: "fetchB", kind: "static" },
      { source: "fetchA", target: "combine", kind: "static" },
      { source: "fetchB", target: "combine", kind: "static" },
      { source: "combine", target: "fan", kind: "static" },
      { source: "fan", target: "route", kind: "static" },
      { source: "fan", target: "worker", kind: "map" },
      { source: "route", target: "delegate", kind: "switch", label: "ok" },
      { source: "route", target: null, kind: "switch", label: "bad" },
      { source: "route", target: "fallback", kind: "switch", label: "default" },
      { source: "fallback", target: "delegate", kind: "dynamic" },
    ]);
    expect(description.groups).toEqual([
      { kind: "parallel", source: "start", members: ["fetchA", "fetchB"] },
    ]);
    expect(description.roots).toEqual(["start", "helperUtil"]);
    expect(description.hooks).toEqual({ startup: ["connectDb"], shutdown: ["closeDb"], onError: [] });
    const delegate = description.nodes.find((n) => n.name === "delegate")!;
    expect(delegate.pipeline).toMatchObject({ name: "review", roots: ["s1"] });
    expect(Object.keys(delegate)).toEqual(["name", "kind", "streaming", "targets", "options", "pipeline"]);
  });

  it("is plain JSON and the same every time", () => {
    const pipe = fixtures.nestedSub!();
    const text = JSON.stringify(pipe.describe());
    expect(JSON.parse(text)).toEqual(pipe.describe());
    expect(JSON.stringify(pipe.describe())).toBe(text);
  });

  it("shows only options that differ from their defaults, functions as flags", () => {
    const pipe = new Pipe({ name: "options" });
    pipe.map("fan", () => [], {
      each: "work",
      maxConcurrency: 3,
      timeout: 1000,
      retries: { attempts: 2, minDelay: 10, retryOn: () => true },
      onError: () => {},
    });
    pipe.step("work", async function* () {}, { retries: 1, barrierTimeout: 50 });
    pipe.switch("pick", () => "x", { to: (v) => String(v), routes: ["work"] });
    const [fan, work, pick] = pipe.describe().nodes;
    expect(fan!.options).toEqual({
      timeout: 1000,
      retries: { attempts: 2, minDelay: 10, retryOn: true },
      maxConcurrency: 3,
      hasErrorHandler: true,
    });
    expect(Object.keys(fan!.options)).toEqual(["timeout", "retries", "maxConcurrency", "hasErrorHandler"]);
    expect(work).toMatchObject({ streaming: true, options: { retries: 1, barrierTimeout: 50 } });
    expect(pick).toMatchObject({ kind: "switch", targets: ["work"], options: { routing: "function" } });
  });

  it("has the runtime's roots, as validation reports them", () => {
    const pipe = new Pipe({ name: "roots" });
    pipe.step("a", () => {}, { to: "c" });
    pipe.switch("b", () => "x", { to: { x: "c", y: Stop } });
    pipe.step("c", () => {});
    pipe.map("d", () => [], { each: "e" });
    pipe.step("e", () => {});
    expect(pipe.describe().roots).toEqual(["a", "b", "d"]);
    try {
      pipe.validate();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as Error).message).toContain("3 root steps (a, b, d)");
    }
  });

  it("names anonymous hooks and copies metadata as JSON", () => {
    const circular: Record<string, unknown> = { n: 1 };
    circular.self = circular;
    const pipe = new Pipe({
      name: "meta",
      metadata: {
        owner: "team-a",
        big: 10n,
        when: new Date(0),
        skip: () => 1,
        nested: circular,
        nan: Number.NaN,
      },
    });
    pipe.onStartup(() => {});
    pipe.onError(function alert() {});
    pipe.step("a", () => {});
    const description = pipe.describe();
    expect(description.hooks).toEqual({ startup: ["(anonymous)"], shutdown: [], onError: ["alert"] });
    expect(description.metadata).toEqual({
      owner: "team-a",
      big: "10",
      when: "1970-01-01T00:00:00.000Z",
      nested: { n: 1, self: "[Circular]" },
      nan: null,
    });
    expect(pipe.metadata).toMatchObject({ owner: "team-a" });
  });

  it("describes an empty pipe", () => {
    expect(new Pipe({ name: "empty" }).describe()).toMatchObject({
      nodes: [],
      edges: [],
      groups: [],
      roots: [],
    });
  });
});
