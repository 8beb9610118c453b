import { describe, expect, it } from "vitest";
import { buildTimeline, renderGantt } from "../../src/inspect/index.js";
import { EventScript } from "./support.js";

function sample() {
  const script = new EventScript("abc123")
    .start(0, "fetch")
    .end(40, "fetch")
    .start(40, "parse")
    .error(50, "parse", "bad", true)
    .start(50, "parse", { attempt: 2 })
    .end(60, "parse")
    .start(60, "fan", { nodeKind: "map" });
  for (let i = 0; i < 4; i++) script.start(60, "work", { key: `w${i}`, scope: [`work[${i}]`] });
  script.end(80, "work", "w0").end(90, "work", "w1").error(95, "work", "nope", false, "w2");
  script.cancel(96, "work", "stopped", "w3").cancel(96, "fan", "stopped");
  return buildTimeline(script.finish(100, "failed", { failedStep: "work" }).events);
}

describe("renderGantt", () => {
  it("draws one row per lane with bars scaled to the run", () => {
    const chart = renderGantt(sample(), { width: 60, legend: false });
    expect(chart).toBe(
      [
        "run abc123  failed  100ms  failed at work",
        "fetch    |██████████████                   | 40ms",
        "parse ×2 |             ▒▒▒▒███             | 20ms 1 retried",
        "fan      |                   ------------- | 36ms 1 cancell…",
        "work ×4  |                   xxxxxxxxxxxxx | 36ms 1 failed …",
        "          0                           100ms",
      ].join("\n"),
    );
  });

  it("never exceeds the width, however narrow or wide", () => {
    for (const width of [10, 30, 45, 80, 200]) {
      const lines = renderGantt(sample(), { width }).split("\n");
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(Math.max(30, width));
    }
  });

  it("passes each piece to the colour function with its role, and measures width without it", () => {
    const roles = new Set<string>();
    const chart = renderGantt(sample(), {
      width: 60,
      color: (text, role) => {
        roles.add(role);
        return `<${role}>${text}</>`;
      },
    });
    expect(roles).toEqual(
      new Set(["header", "label", "success", "retried", "idle", "failed", "cancelled", "axis"]),
    );
    const plain = chart.replace(/<\/?[a-z]*>/g, "");
    expect(plain).toBe(renderGantt(sample(), { width: 60 }));
  });

  it("draws a barrier wait and indents a sub-pipeline's lanes", () => {
    const script = new EventScript()
      .start(0, "a")
      .start(0, "b")
      .end(10, "a")
      .push({ type: "barrier_wait", stage: "join", timestamp: 10, payload: { waitingFor: ["b"] } })
      .end(30, "b")
      .push({ type: "barrier_release", stage: "join", timestamp: 30, payload: { durationMs: 20 } })
      .start(30, "join", { nodeKind: "sub" })
      .start(31, "join:x", { parentRunId: "run1", scope: ["join"] })
      .end(39, "join:x")
      .end(40, "join")
      .finish(40, "success");
    const chart = renderGantt(buildTimeline(script.events), { width: 50, legend: false });
    expect(chart.split("\n").slice(1, 5)).toEqual([
      "a    |█████████                           | 10ms",
      "b    |███████████████████████████         | 30ms",
      "join |         ░░░░░░░░░░░░░░░░░░█████████| 10ms",
      "  x  |                           █████████| 8ms",
    ]);
  });
});
