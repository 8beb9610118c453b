import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { type GraphDirection, Pipe, Stop } from "../../src/index.js";
import { parseFlowchart, unloadMermaid } from "./mermaid-parser.js";

afterAll(unloadMermaid);

/** Fragments that break naive Mermaid output: delimiters, keywords, entities, directives. */
const tricky = fc.constantFrom(
  '"',
  "'",
  "[",
  "]",
  "(",
  ")",
  "{",
  "}",
  "<",
  ">",
  "`",
  "#",
  ";",
  ":",
  "|",
  "&",
  "\\",
  "/",
  "%%",
  "%",
  "-->",
  "-.-",
  "==>",
  "end",
  "graph",
  "subgraph",
  "style:",
  "classDef",
  "click",
  "#quot;",
  "&quot;",
  "ﬂ°",
  "¶ß",
  "@{",
  "\n",
  "\t",
  "\r",
  "\u2028",
  "\u0085",
  "\ufeff",
  " ",
  "_",
  "🚀",
  "👨‍👩‍👧",
  "ü",
  "日本",
  "\u0301",
  "\ud800",
);

const nameArb = fc
  .oneof(
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 6 }),
    fc
      .array(fc.oneof(tricky, fc.string({ unit: "grapheme-ascii", maxLength: 3 })), {
        minLength: 1,
        maxLength: 5,
      })
      .map((parts) => parts.join("")),
  )
  .filter((name) => name !== "");

type Kind = "step" | "stream" | "map" | "switch" | "sub";

interface StepSpec {
  kind: Kind;
  /** Indices into the name list (taken modulo its length). */
  to: number[];
  routes: number[];
  each: number;
  table: [string, number | "stop"][];
  fallback: number | "stop" | null;
  any: boolean;
  /** Give a map, switch or sub an async generator handler. */
  generator: boolean;
}

interface PipeSpec {
  names: string[];
  steps: StepSpec[];
  hooks: string[];
  child: PipeSpec | null;
}

const stepArb: fc.Arbitrary<StepSpec> = fc.record({
  kind: fc.constantFrom<Kind>("step", "step", "stream", "map", "switch", "sub"),
  to: fc.array(fc.nat(20), { maxLength: 3 }),
  routes: fc.array(fc.nat(20), { maxLength: 2 }),
  each: fc.nat(20),
  table: fc.array(fc.tuple(nameArb, fc.oneof(fc.nat(20), fc.constant("stop" as const))), {
    minLength: 1,
    maxLength: 3,
  }),
  fallback: fc.oneof(fc.constant(null), fc.nat(20), fc.constant("stop" as const)),
  any: fc.boolean(),
  generator: fc.boolean(),
});

const pipeArb = (depth: number): fc.Arbitrary<PipeSpec> =>
  fc.record({
    names: fc.uniqueArray(nameArb, { minLength: 1, maxLength: depth === 0 ? 3 : 6 }),
    steps: fc.array(stepArb, { minLength: 6, maxLength: 6 }),
    hooks: fc.array(fc.oneof(fc.constant(""), nameArb), { maxLength: 2 }),
    child: depth === 0 ? fc.constant(null) : fc.option(pipeArb(depth - 1), { nil: null }),
  });

/** Builds a Pipe from a spec: any shape, valid or not (graph() must draw both). */
function build(spec: PipeSpec): Pipe<any, any> {
  const pipe = new Pipe({ name: spec.names.join("/") || "p", allowMultiRoot: true, strict: false });
  const at = (i: number) => spec.names[i % spec.names.length]!;
  for (const hook of spec.hooks) pipe.onStartup(Object.defineProperty(() => {}, "name", { value: hook }));
  for (const hook of spec.hooks) pipe.onShutdown(Object.defineProperty(() => {}, "name", { value: hook }));
  spec.names.forEach((name, i) => {
    const s = spec.steps[i]!;
    const common = {
      to: s.to.map(at),
      routes: s.routes.map(at),
      barrierType: s.any ? ("any" as const) : ("all" as const),
    };
    // Registration only: the handlers never run.
    const handler = (s.generator ? async function* () {} : () => []) as () => never;
    if (s.kind === "map") pipe.map(name, handler, { ...common, each: at(s.each) });
    else if (s.kind === "switch") {
      const table = Object.fromEntries(s.table.map(([key, t]) => [key, t === "stop" ? Stop : at(t)]));
      const fallback = s.fallback === null ? undefined : s.fallback === "stop" ? Stop : at(s.fallback);
      pipe.switch(name, handler, {
        to: table,
        routes: common.routes,
        barrierType: common.barrierType,
        default: fallback,
      });
    } else if (s.kind === "sub" && spec.child !== null) {
      pipe.sub(name, handler, { ...common, pipeline: build(spec.child) });
    } else if (s.kind === "stream") pipe.step(name, async function* () {}, common);
    else pipe.step(name, () => {}, common);
  });
  return pipe;
}

/** What a browser shows for a label (see escapeLabel: line breaks become spaces, invisible characters U+FFFD). */
const shown = (text: string) =>
  text
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]/g, " ")
    .replace(/[\p{Cc}\p{Cs}\ufeff\ufffe\uffff]/gu, "\ufffd")
    .trim();

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe("pipe.graph() on random pipelines", () => {
  it("always yields Mermaid that the real parser accepts, with every name shown as registered", async () => {
    await fc.assert(
      fc.asyncProperty(
        pipeArb(1),
        fc.constantFrom<GraphDirection>("TD", "LR", "BT", "RL", "TB"),
        async (spec, direction) => {
          const pipe = build(spec);
          const text = pipe.graph({ direction, humanize: false });
          expect(pipe.graph({ direction, humanize: false })).toBe(text);
          const parsed = await parseFlowchart(text);
          expect(parsed.type).toBe("flowchart-v2");
          const sorted = [...spec.names].sort(byCodeUnit);
          const description = pipe.describe();
          for (const node of description.nodes) {
            const parents = description.edges.filter(
              (e) => e.kind === "static" && e.target === node.name,
            ).length;
            const worker = description.edges.some((e) => e.kind === "map" && e.target === node.name);
            let expected = node.name;
            if (node.options.barrierType === "any" && parents >= 2) expected += " (Any)";
            if (node.streaming) expected += " ⚡";
            const label = parsed.labels.get(`n${sorted.indexOf(node.name)}`);
            expect(label?.trim(), `label of ${JSON.stringify(node.name)}${worker ? " (worker)" : ""}`).toBe(
              shown(expected),
            );
          }
          const switchLabels = parsed.edges
            .filter((e) => /^n\d+$/.test(e.start) && e.stroke === "normal" && e.label !== "")
            .map((e) => e.label);
          const keys = description.edges.filter((e) => e.kind === "switch").map((e) => shown(e.label!));
          expect(switchLabels.map((l) => l.trim()).sort()).toEqual(keys.sort());
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 60) },
    );
  });

  it("draws humanised labels validly too", async () => {
    await fc.assert(
      fc.asyncProperty(pipeArb(1), async (spec) => {
        await parseFlowchart(build(spec).graph());
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 30) },
    );
  });
});
