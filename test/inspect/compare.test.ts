import { describe, expect, it } from "vitest";
import { buildTimeline, compareRuns } from "../../src/inspect/index.js";
import { EventScript } from "./support.js";

/** A three-step run: fetch, then parse, then (optionally) save, with given durations. */
function run(id: string, fetchMs: number, parse: "ok" | "fail" | "retry", save = true) {
  const script = new EventScript(id).start(0, "fetch").end(fetchMs, "fetch").start(fetchMs, "parse");
  let t = fetchMs + 10;
  if (parse === "retry") {
    script.error(t, "parse", "flaky", true).start(t, "parse", { attempt: 2 });
    t += 10;
  }
  if (parse === "fail")
    return script.error(t, "parse", "broken").finish(t, "failed", { failedStep: "parse" }).events;
  script.end(t, "parse");
  if (save) script.start(t, "save").end(t + 5, "save");
  return script.finish(t + (save ? 5 : 0), "success").events;
}

describe("compareRuns", () => {
  it("says two runs that did the same work in the same time are the same", () => {
    const result = compareRuns(run("a", 20, "ok"), run("b", 21, "ok"));
    expect(result.verdict).toBe("same");
    expect(result.steps.map((s) => s.change)).toEqual(["same", "same", "same"]);
    expect(result.notes).toEqual([]);
  });

  it("calls a run that fails where the baseline succeeded a regression, naming the step", () => {
    const result = compareRuns(run("a", 20, "ok"), run("b", 20, "fail"));
    expect(result.verdict).toBe("regressed");
    expect(result.a).toEqual({ runId: "a", status: "success", durationMs: 35 });
    expect(result.b.status).toBe("failed");
    expect(result.steps.find((s) => s.step === "parse")).toMatchObject({
      change: "status",
      a: { status: "success" },
      b: { status: "failed" },
    });
    expect(result.steps.find((s) => s.step === "save")?.change).toBe("only_in_a");
    expect(result.notes).toEqual([
      "run: success -> failed",
      "parse: success -> failed",
      "save: ran only in a",
    ]);
  });

  it("calls the reverse an improvement", () => {
    expect(compareRuns(run("a", 20, "fail"), run("b", 20, "ok")).verdict).toBe("improved");
  });

  it("reports slower and faster steps beyond the threshold, ignoring noise below it", () => {
    const result = compareRuns(run("a", 20, "ok"), run("b", 200, "ok"));
    expect(result.verdict).toBe("slower");
    expect(result.steps[0]).toMatchObject({ step: "fetch", change: "slower", durationDeltaMs: 180 });
    expect(result.notes[0]).toBe("run: slower 35ms -> 215ms");
    expect(compareRuns(run("a", 200, "ok"), run("b", 20, "ok")).verdict).toBe("faster");
    expect(compareRuns(run("a", 20, "ok"), run("b", 200, "ok"), { threshold: 10 }).verdict).toBe("same");
    expect(compareRuns(run("a", 2, "ok"), run("b", 4, "ok")).verdict).toBe("same"); // +2 ms is under minDeltaMs
  });

  it("calls a run with the same outcome but different steps or retries changed", () => {
    expect(compareRuns(run("a", 20, "ok"), run("b", 20, "retry"), { threshold: 1 }).verdict).toBe("changed");
    const result = compareRuns(run("a", 20, "ok", false), run("b", 20, "ok", true));
    expect(result.verdict).toBe("changed");
    expect(result.steps.at(-1)).toMatchObject({ step: "save", change: "only_in_b", a: undefined });
  });

  it("accepts timelines as well as event lists", () => {
    const a = run("a", 20, "ok");
    const b = run("b", 20, "fail");
    expect(compareRuns(buildTimeline(a), buildTimeline(b))).toEqual(compareRuns(a, b));
  });
});
