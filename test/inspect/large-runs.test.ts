// Regression: a run of 200,000 events (more than a spread call can take as arguments).
import { describe, expect, it } from "vitest";
import { buildTimeline, compareRuns, type InspectEvent } from "../../src/inspect/index.js";

function bigRun(workers: number): InspectEvent[] {
  const events: InspectEvent[] = [{ type: "start", stage: "system", timestamp: 1000, seq: 1 }];
  for (let index = 0; index < workers; index++) {
    const invocationId = `w${index}`;
    const scope = [`work[${index}]`];
    events.push({ type: "step_start", stage: "work", timestamp: 1001 + index, invocationId, scope });
    events.push({ type: "step_end", stage: "work", timestamp: 1002 + index, invocationId, scope });
  }
  return events;
}

describe("timelines of large runs", () => {
  it("builds and compares a run of 200,000 events", () => {
    const events = bigRun(100_000);
    const timeline = buildTimeline(events);
    expect(timeline.startedAt).toBe(1000);
    expect(timeline.lanes[0]!.counts.total).toBe(100_000);
    expect(compareRuns(events, events).verdict).toBe("same");
  });
});
