import { afterAll, describe, expect, it } from "vitest";
import { pipe as ragPipe } from "../../examples/visualization/rag-pipeline.js";
import { EventType, Pipe, Stop } from "../../src/index.js";
import { fixtures } from "./fixtures.js";
import { parseFlowchart, unloadMermaid } from "./mermaid-parser.js";

afterAll(unloadMermaid);

const startEdges = (text: string) => text.split("\n").filter((l) => /^\s+Start -->/.test(l));

describe("pipe.graph() golden diagrams", () => {
  it.each(Object.keys(fixtures))("%s matches its golden file and parses", async (name) => {
    const text = fixtures[name]!().graph();
    await expect(text).toMatchFileSnapshot(`./__golden__/${name}.mmd`);
    const parsed = await parseFlowchart(text);
    expect(parsed.type).toBe("flowchart-v2");
  });

  it("draws the README's RAG pipeline into docs/rag-pipeline.mmd", async () => {
    const text = ragPipe.graph();
    await expect(text).toMatchFileSnapshot("../../docs/rag-pipeline.mmd");
    const parsed = await parseFlowchart(text);
    expect(parsed.subgraphs.map((s) => [s.title, s.nodes.map((n) => parsed.labels.get(n))])).toEqual([
      ["Parallel", ["Search Knowledge Graph", "Search Vectors ⚡", "Search Web ⚡"]],
      ["Utilities", ["Analytics Logger ⚡", "Cache Manager"]],
    ]);
  });

  it("runs the RAG example it draws", async () => {
    const state = { query: " what is justpipe? ", embedding: [], documents: [], context: "", answer: "" };
    const tokens: unknown[] = [];
    let status: string | undefined;
    for await (const event of ragPipe.run(state)) {
      if (event.type === EventType.TOKEN) tokens.push(event.payload);
      if (event.type === EventType.FINISH) status = event.payload.status;
    }
    expect(status).toBe("success");
    expect(state.answer).toBe("Here is what I found.");
    expect(tokens).toContain("web: searching");
  });
});

describe("pipe.graph() layout", () => {
  it("is deterministic and does not depend on registration order", () => {
    const forward = new Pipe({ name: "p" });
    forward.step("a", () => {}, { to: ["b", "c"] });
    forward.step("b", () => {}, { to: "d" });
    forward.step("c", () => {}, { to: "d" });
    forward.switch("d", () => 1, { to: { 1: "e", 2: Stop } });
    forward.step("e", () => {});
    const backward = new Pipe({ name: "p" });
    backward.step("e", () => {});
    backward.switch("d", () => 1, { to: { 1: "e", 2: Stop } });
    backward.step("c", () => {}, { to: "d" });
    backward.step("b", () => {}, { to: "d" });
    backward.step("a", () => {}, { to: ["c", "b"] });
    expect(forward.graph()).toBe(forward.graph());
    expect(backward.graph()).toBe(forward.graph());
  });

  it("gives every root its Start edge, switch and map roots included", async () => {
    const text = fixtures.switchAndMapRoots!().graph();
    const parsed = await parseFlowchart(text);
    const fromStart = parsed.edges.filter((e) => e.start === "Start").map((e) => parsed.labels.get(e.end));
    expect(fromStart).toEqual(["Batch", "Router"]);
  });

  it("draws the entry of a loop closed by a switch route (the runtime's root)", () => {
    const pipe = fixtures.agentLoop!();
    expect(startEdges(pipe.graph())).toHaveLength(pipe.describe().roots.length);
  });

  it("connects the Utilities box to Start, because isolated steps start with the run", () => {
    const text = fixtures.kitchenSink!().graph();
    expect(text).toContain("Start -. also starts .-> utilities");
  });

  it("sends switch routes to Stop to End, labelled with their key", async () => {
    const parsed = await parseFlowchart(fixtures.switchWithStop!().graph());
    const toEnd = parsed.edges
      .filter((e) => e.end === "End")
      .map((e) => [parsed.labels.get(e.start), e.label]);
    expect(toEnd).toContainEqual(["Classify", "negative"]);
  });

  it("draws declared routes as dotted dynamic edges, once per pair", async () => {
    const parsed = await parseFlowchart(fixtures.dynamicRoutes!().graph());
    const dynamic = parsed.edges
      .filter((e) => e.label === "dynamic")
      .map((e) => `${parsed.labels.get(e.start)}->${parsed.labels.get(e.end)}`);
    expect(dynamic.sort()).toEqual(["Pick->Fast", "Pick->Slow", "Slow->Slow"]);
    expect(parsed.edges.filter((e) => e.label === "dynamic").every((e) => e.stroke === "dotted")).toBe(true);
  });

  it("marks any-joins, streaming steps and map workers", async () => {
    const sink = await parseFlowchart(fixtures.kitchenSink!().graph());
    expect(sink.labels.get("n0")).toBe("Combine (Any)");
    expect(sink.shapes.get("n9")).toBe("procs");
    const map = await parseFlowchart(fixtures.map!().graph());
    expect([map.labels.get("n1"), map.shapes.get("n1")]).toEqual(["Fetch One ⚡", "procs"]);
    expect(map.edges).toContainEqual(
      expect.objectContaining({ start: "n0", end: "n1", label: "map", stroke: "dotted" }),
    );
  });

  it("marks a streaming switch, but not a map whose async generator yields items", async () => {
    const pipe = new Pipe({ name: "streams" });
    pipe.switch(
      "route",
      async function* () {
        yield "thinking";
        return "a";
      },
      { to: { a: "items" } },
    );
    pipe.map(
      "items",
      async function* () {
        yield 1;
      },
      { each: "work" },
    );
    pipe.step("work", () => {});
    const parsed = await parseFlowchart(pipe.graph());
    expect([parsed.labels.get("n1"), parsed.shapes.get("n1")]).toEqual(["Route ⚡", "diamond"]);
    expect(parsed.labels.get("n0")).toBe("Items");
    expect(pipe.describe().nodes.map((n) => n.streaming)).toEqual([true, false, false]);
  });

  it("nests sub-pipelines two levels deep with prefixed ids", async () => {
    const parsed = await parseFlowchart(fixtures.nestedSub!().graph());
    const clusters = parsed.subgraphs.filter((s) => s.id.startsWith("cluster_")).map((s) => [s.id, s.title]);
    expect(clusters).toEqual(
      expect.arrayContaining([
        ["cluster_n1", "Run Middle (middle)"],
        ["cluster_n1_n2", "Run Inner (inner)"],
      ]),
    );
    expect(parsed.labels.get("n1_n2_n0")).toBe("Tokenize ⚡");
    expect(parsed.edges).toContainEqual(expect.objectContaining({ start: "n1", end: "n1_Start" }));
  });

  it("draws a sub-pipeline that contains itself once", async () => {
    const a = new Pipe({ name: "a" });
    const b = new Pipe({ name: "b" });
    a.sub("toB", () => ({}), { pipeline: b });
    b.sub("toA", () => ({}), { pipeline: a });
    const text = a.graph();
    expect(text).toContain('n0_n0_Recursive["↻ a (drawn above)"]');
    await parseFlowchart(text);
    expect(a.hash()).toMatch(/^[0-9a-f]{16}$/);
    expect(a.describe().nodes[0]!.pipeline).toMatchObject({ name: "b" });
  });

  it("follows the direction option and puts parallel boxes across the flow", async () => {
    const text = fixtures.anyJoin!().graph({ direction: "LR" });
    expect(text.startsWith("graph LR\n")).toBe(true);
    expect(text).toContain("direction TB");
    await parseFlowchart(text);
  });

  it("rejects an unknown direction with the option template", () => {
    const pipe = fixtures.single!();
    expect(() => pipe.graph({ direction: "UP" as "TD" })).toThrow(
      new TypeError("Expected `direction` to be one of TD, TB, BT, LR, RL, got `UP` (string)."),
    );
  });

  it("shows names exactly as registered with humanize: false", async () => {
    const pipe = new Pipe({ name: "raw" });
    pipe.step("fetch_user", () => {}, { to: "sendEmail" });
    pipe.step("sendEmail", () => {});
    const parsed = await parseFlowchart(pipe.graph({ humanize: false }));
    expect(parsed.labels.get("n0")).toBe("fetch_user");
    expect(parsed.labels.get("n1")).toBe("sendEmail");
  });

  it("shows weird names exactly, as a browser would render them", async () => {
    const pipe = fixtures.weirdNames!();
    const parsed = await parseFlowchart(pipe.graph({ humanize: false }));
    const names = pipe.steps().map((s) => s.name);
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      // Line breaks and tabs are shown as spaces; Mermaid trims labels.
      expect(parsed.labels.get(`n${sorted.indexOf(name)}`)?.trim()).toBe(name.replace(/[\n\t]/g, " ").trim());
    }
  });

  it("works on an invalid definition and after the first run", async () => {
    const broken = new Pipe({ name: "broken" });
    broken.step("a", () => {}, { to: "missing" });
    broken.step("b", () => {}, { to: "c" });
    broken.step("c", () => {}, { to: "b" });
    await parseFlowchart(broken.graph());

    const pipe = fixtures.hello!();
    const before = pipe.graph();
    for await (const _ of pipe.run({})) {
      // drain
    }
    expect(pipe.graph()).toBe(before);
  });
});
