/**
 * `justpipe/inspect`: pure models over a run's events (live or stored): the timeline, a terminal
 * Gantt chart of it, and the comparison of two runs. No I/O and no dependencies, so the command
 * line, the dashboard and observers share them.
 *
 * @example
 * ```ts
 * import { buildTimeline, compareRuns, renderGantt } from "justpipe/inspect";
 *
 * const events = [];
 * for await (const event of pipe.run(state)) events.push(event);
 * console.log(renderGantt(buildTimeline(events), { width: 100 }));
 * ```
 *
 * @packageDocumentation
 */
export {
  type ComparedRun,
  type CompareOptions,
  type CompareVerdict,
  compareRuns,
  type RunComparison,
  type StepComparison,
  type StepSummary,
} from "./compare.js";
export type { InspectEvent } from "./event-input.js";
export { formatDuration } from "./format.js";
export { type GanttOptions, type GanttRole, renderGantt } from "./gantt.js";
export {
  computeStats,
  type FailureCount,
  nearestRank,
  type PipeStats,
  type RunStats,
  type StatsInput,
  type StatsOptions,
  type StepStats,
} from "./stats.js";
export {
  buildTimeline,
  type InvocationStatus,
  type LaneCounts,
  type Timeline,
  type TimelineBarrier,
  type TimelineFailure,
  type TimelineInvocation,
  type TimelineLane,
  type TimelineSubRun,
} from "./timeline.js";
