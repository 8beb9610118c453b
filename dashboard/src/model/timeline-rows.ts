// Pure model: the timeline's rows. One row per stage; map workers of one step share a row
// (folded, with their count); sub-pipeline stages are indented under their sub step.
import type { Invocation, RunModel, Wait } from "./invocations.js";

export interface TimelineRow {
  key: string;
  label: string;
  depth: number;
  invocations: Invocation[];
  waits: Wait[];
  /** Map workers folded into this row. */
  workers: number;
  retries: number;
}

export function timelineRows(model: RunModel): TimelineRow[] {
  const rows = new Map<string, TimelineRow>();
  const row = (stage: string, depth: number) => {
    let found = rows.get(stage);
    if (found === undefined) {
      const colon = stage.lastIndexOf(":");
      found = {
        key: stage,
        label: colon === -1 ? stage : stage.slice(colon + 1),
        depth,
        invocations: [],
        waits: [],
        workers: 0,
        retries: 0,
      };
      rows.set(stage, found);
    }
    return found;
  };
  for (const invocation of model.invocations) {
    const target = row(invocation.stage, invocation.depth);
    target.invocations.push(invocation);
    if (invocation.mapOwner !== null) target.workers++;
    if (invocation.attempt > 1) target.retries++;
  }
  for (const wait of model.waits) row(wait.stage, wait.depth).waits.push(wait);
  // Sub-pipeline stages go right after their sub step, in order of first start.
  const ordered = [...rows.values()].sort((a, b) => firstStart(a) - firstStart(b));
  const result: TimelineRow[] = [];
  const place = (parentPrefix: string, depth: number) => {
    for (const item of ordered) {
      if (item.depth !== depth || !item.key.startsWith(parentPrefix)) continue;
      if (depth > 0 && item.key.slice(parentPrefix.length).includes(":")) continue;
      if (result.includes(item)) continue;
      result.push(item);
      place(`${item.key}:`, depth + 1);
    }
  };
  place("", 0);
  for (const item of ordered) if (!result.includes(item)) result.push(item);
  return result;
}

function firstStart(row: TimelineRow): number {
  const starts = [...row.invocations.map((item) => item.start), ...row.waits.map((item) => item.start)];
  return Math.min(...starts);
}
