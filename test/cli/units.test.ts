// The command line's pure helpers: ages, relative times, colours, tables, module references.

import picocolors from "picocolors";
import { describe, expect, it } from "vitest";
import { descriptionToMermaid } from "../../src/cli/description-mermaid.js";
import { parseModuleReference } from "../../src/cli/load-module.js";
import { renderTable, shouldColor } from "../../src/cli/output.js";
import { kindsFromDescription, summarizeFromMetrics, summarizeSteps } from "../../src/cli/step-summary.js";
import { formatDuration, formatRelative, parseAge, parseTimePoint } from "../../src/cli/time.js";

describe("time", () => {
  it("parses ages and dates, and refuses anything else naming the option", () => {
    expect(parseAge("90s")).toBe(90_000);
    expect(parseAge("15m")).toBe(900_000);
    expect(parseAge("2h")).toBe(7_200_000);
    expect(parseAge("30d")).toBe(2_592_000_000);
    expect(parseAge("soon")).toBeUndefined();
    expect(parseTimePoint("--since", "1d", 86_400_000 * 2)).toBe(86_400_000);
    expect(parseTimePoint("--since", "2026-12-01", 0)).toBe(Date.parse("2026-12-01"));
    expect(() => parseTimePoint("--since", "yesterday", 0)).toThrow(/--since expects an age like 2h/);
  });

  it("formats durations and relative times", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(0.25)).toBe("0.25 ms");
    expect(formatDuration(280)).toBe("280 ms");
    expect(formatDuration(1234)).toBe("1.23 s");
    expect(formatDuration(65_000)).toBe("1 min 5 s");
    expect(formatDuration(null)).toBe("-");
    const now = Date.parse("2026-12-07T10:00:00Z");
    expect(formatRelative(now - 2_000, now)).toBe("just now");
    expect(formatRelative(now - 180_000, now)).toBe("3 min ago");
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(formatRelative(now - 86_400_000, now)).toBe("1 day ago");
    expect(formatRelative(now - 40 * 86_400_000, now)).toBe("2026-10-28");
  });
});

describe("output", () => {
  it("colours a terminal only, NO_COLOR wins over FORCE_COLOR", () => {
    expect(shouldColor({ isTTY: true }, {})).toBe(true);
    expect(shouldColor({ isTTY: false }, {})).toBe(false);
    expect(shouldColor({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(shouldColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(shouldColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(shouldColor({ isTTY: true }, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
  });

  it("aligns columns by printed width, ignoring colour codes", () => {
    const colors = picocolors.createColors(true);
    const table = renderTable(
      [
        { name: "a", n: 1 },
        { name: "longer", n: 200 },
      ],
      [
        { header: "NAME", cell: (row) => colors.green(row.name) },
        { header: "N", cell: (row) => String(row.n), align: "right" },
      ],
      colors,
    );
    expect(table).toContain("\u001b[32mlonger\u001b[39m");
    const plain = table
      .split("\u001b[32m")
      .join("")
      .split("\u001b[39m")
      .join("")
      .split("\u001b[2m")
      .join("")
      .split("\u001b[22m")
      .join("");
    expect(plain).toBe("NAME      N\na         1\nlonger  200");
  });
});

describe("module references", () => {
  it("splits the export name after #", () => {
    expect(parseModuleReference("./pipes.ts#ingest")).toMatchObject({
      path: "./pipes.ts",
      exportName: "ingest",
    });
    expect(parseModuleReference("./pipe.mjs")).toMatchObject({ path: "./pipe.mjs", exportName: undefined });
    expect(() => parseModuleReference("./pipe.mjs#not-a-name")).toThrow(/is not an export name/);
  });
});

describe("stored descriptions", () => {
  it("draws nodes by kind, map edges dotted and switch routes labelled", () => {
    const mermaid = descriptionToMermaid({
      name: "p",
      roots: ["a"],
      nodes: [
        { name: "a", kind: "step" },
        { name: "m", kind: "map" },
        { name: "w", kind: "step" },
        { name: "s", kind: "switch" },
      ],
      edges: [
        { source: "a", target: "m", kind: "static" },
        { source: "m", target: "w", kind: "map" },
        { source: "m", target: "s", kind: "static" },
        { source: "s", target: null, kind: "switch", label: "stop" },
      ],
    });
    expect(mermaid).toContain('n1[["m"]]');
    expect(mermaid).toContain("n1 -. map .-> n2");
    expect(mermaid).toContain('n3 -- "stop" --> End');
    expect(mermaid).toContain('n3{"s"}');
  });
});

describe("step summary", () => {
  it("pairs starts with their ends by invocation and counts retries as attempts", () => {
    const base = { scope: [], meta: null, payload: null, nodeKind: "step", attempt: 1 };
    const steps = summarizeSteps([
      { ...base, type: "step_start", stage: "a", invocationId: "r:1", timestamp: 0 },
      {
        ...base,
        type: "step_error",
        stage: "a",
        invocationId: "r:1",
        timestamp: 10,
        payload: { retrying: true },
      },
      { ...base, type: "step_start", stage: "a", invocationId: "r:2", timestamp: 10, attempt: 2 },
      { ...base, type: "step_end", stage: "a", invocationId: "r:2", timestamp: 40 },
      { ...base, type: "step_start", stage: "b", invocationId: "r:3", timestamp: 40 },
    ] as never);
    expect(steps).toEqual([
      expect.objectContaining({
        step: "a",
        invocations: 1,
        attempts: 2,
        retried: 1,
        succeeded: 1,
        status: "success",
        totalMs: 40,
        p50Ms: 10,
        maxMs: 30,
      }),
      expect.objectContaining({ step: "b", attempts: 1, running: 1, status: "running" }),
    ]);
  });
});

describe("step table from metrics", () => {
  it("takes timings from the end metrics (sub-pipelines from their forwarded FINISH) and failures from errors", () => {
    const kinds = kindsFromDescription({
      nodes: [
        { name: "load", kind: "step" },
        { name: "fan", kind: "map" },
        { name: "work", kind: "step" },
        { name: "sub", kind: "sub", pipeline: { nodes: [{ name: "inner", kind: "step" }], edges: [] } },
      ],
      edges: [{ source: "fan", target: "work", kind: "map" }],
    });
    expect([...kinds]).toEqual([
      ["load", "step"],
      ["fan", "map"],
      ["work", "map worker"],
      ["sub", "sub"],
      ["sub:inner", "step"],
    ]);
    const timing = (count: number, totalMs: number) => ({
      count,
      totalMs,
      maxMs: totalMs,
      p50Ms: totalMs / count,
    });
    const event = (type: string, stage: string, payload: unknown) => ({
      type,
      stage,
      payload,
      invocationId: "r:9",
    });
    const steps = summarizeFromMetrics(
      { work: timing(3, 30), load: timing(1, 5), fan: timing(1, 40), sub: timing(1, 2) },
      [
        event("step_error", "work", { retrying: true }),
        event("step_error", "work", { retrying: false }),
        {
          ...event("finish", "sub:system", { metrics: { stepLatency: { inner: timing(1, 1) } } }),
          invocationId: null,
        },
        { ...event("finish", "system", {}), invocationId: null },
      ] as never,
      kinds,
    );
    expect(steps.map((step) => step.step)).toEqual(["load", "fan", "work", "sub", "sub:inner"]);
    expect(steps[2]).toMatchObject({
      kind: "map worker",
      invocations: 4,
      attempts: 5,
      failed: 1,
      status: "failed",
      totalMs: 30,
    });
    expect(steps[4]).toMatchObject({ kind: "step", invocations: 1, status: "success" });
  });
});
