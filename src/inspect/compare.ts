import type { InspectEvent } from "./event-input.js";
import { formatDuration } from "./format.js";
import { buildTimeline, type Timeline, type TimelineLane } from "./timeline.js";

/** One step of one run, as {@link compareRuns} sees it. */
export interface StepSummary {
  /** Invocations (attempts and map workers included). */
  readonly invocations: number;
  /**
   * The worst final outcome of its invocations: `failed`, `cancelled`, `running` or `success`
   * (attempts that were retried do not count; their retry does).
   */
  readonly status: "success" | "failed" | "cancelled" | "running";
  /** Wall time from its first start to its last end, in ms. */
  readonly durationMs: number;
  /** Attempts that failed and were retried. */
  readonly retries: number;
}

/** How one step differs between run `a` and run `b`. */
export interface StepComparison {
  /** The step's lane key (`"<sub>:<step>"` inside sub-pipelines). */
  readonly step: string;
  /** The step in run `a`, if it ran there. */
  readonly a: StepSummary | undefined;
  /** The step in run `b`, if it ran there. */
  readonly b: StepSummary | undefined;
  /**
   * `only_in_a` / `only_in_b`, `status` (its status changed), `slower` / `faster` (its duration
   * changed by more than the threshold), or `same`.
   */
  readonly change: "only_in_a" | "only_in_b" | "status" | "slower" | "faster" | "same";
  /** `b.durationMs - a.durationMs` when it ran in both. */
  readonly durationDeltaMs: number | undefined;
}

/** The run-level facts of one side of a comparison. */
export interface ComparedRun {
  /** The run's id. */
  readonly runId: string | undefined;
  /** Its status from `FINISH` (`undefined` without one). */
  readonly status: string | undefined;
  /** Its duration in ms. */
  readonly durationMs: number;
}

/**
 * The overall judgement: `regressed` (run b ended worse, or a step's status got worse), `improved`
 * (the opposite, with nothing worse), `slower` / `faster` (same outcome, run duration beyond the
 * threshold), `changed` (same outcome and speed, but steps ran differently), `same`.
 */
export type CompareVerdict = "regressed" | "improved" | "slower" | "faster" | "changed" | "same";

/** The result of {@link compareRuns}. */
export interface RunComparison {
  /** Run `a` (the baseline). */
  readonly a: ComparedRun;
  /** Run `b` (the candidate). */
  readonly b: ComparedRun;
  /** Every step of either run, in run `a`'s display order, then the steps only in `b`. */
  readonly steps: readonly StepComparison[];
  /** The overall judgement. */
  readonly verdict: CompareVerdict;
  /** One line per notable difference, for people. */
  readonly notes: readonly string[];
}

/** Options of {@link compareRuns}. */
export interface CompareOptions {
  /**
   * Relative change of a duration that counts as slower or faster (0.2 = 20%).
   * @default 0.2
   */
  threshold?: number;
  /**
   * Absolute change, in ms, below which a duration change is noise whatever the ratio.
   * @default 5
   */
  minDeltaMs?: number;
}

const STEP_RANK = { success: 0, running: 1, cancelled: 2, failed: 3 } as const;
const RUN_RANK: Record<string, number> = {
  success: 0,
  suspended: 0,
  client_closed: 1,
  cancelled: 2,
  timeout: 2,
  failed: 3,
};

function summarise(lane: TimelineLane): StepSummary {
  let status: StepSummary["status"] = "success";
  for (const invocation of lane.invocations) {
    if (invocation.status === "retried") continue;
    const candidate = invocation.status;
    if (STEP_RANK[candidate] > STEP_RANK[status]) status = candidate;
  }
  let end = lane.end ?? Number.NEGATIVE_INFINITY;
  if (lane.end === undefined) for (const i of lane.invocations) end = Math.max(end, i.end ?? i.start);
  return {
    invocations: lane.counts.total,
    status,
    durationMs: end - lane.start,
    retries: lane.counts.retried,
  };
}

function timelineOf(run: readonly InspectEvent[] | Timeline): Timeline {
  return Array.isArray(run) ? buildTimeline(run as readonly InspectEvent[]) : (run as Timeline);
}

/**
 * Compares two runs of a pipe from their events (or their timelines): per step, status and
 * duration changes and the steps that ran in only one of them; then a verdict. Pure.
 *
 * @param a - the baseline run's events (or its {@link Timeline})
 * @param b - the candidate run's events (or its {@link Timeline})
 * @example
 * ```ts
 * const result = compareRuns(await store.getEvents(before), await store.getEvents(after));
 * if (result.verdict === "regressed") console.log(result.notes.join("\n"));
 * ```
 */
export function compareRuns(
  a: readonly InspectEvent[] | Timeline,
  b: readonly InspectEvent[] | Timeline,
  options: CompareOptions = {},
): RunComparison {
  const threshold = options.threshold ?? 0.2;
  const minDeltaMs = options.minDeltaMs ?? 5;
  const left = timelineOf(a);
  const right = timelineOf(b);
  const isChange = (before: number, after: number) =>
    Math.abs(after - before) >= minDeltaMs && Math.abs(after - before) > threshold * Math.max(before, 1);

  const rightLanes = new Map(right.lanes.map((lane) => [lane.key, lane]));
  const keys = [...left.lanes.map((l) => l.key), ...right.lanes.map((l) => l.key)];
  const leftLanes = new Map(left.lanes.map((lane) => [lane.key, lane]));
  const notes: string[] = [];
  let worse = false;
  let better = false;
  let differs = false;
  const steps: StepComparison[] = [];
  for (const key of new Set(keys)) {
    const before = leftLanes.has(key) ? summarise(leftLanes.get(key)!) : undefined;
    const after = rightLanes.has(key) ? summarise(rightLanes.get(key)!) : undefined;
    let change: StepComparison["change"] = "same";
    let delta: number | undefined;
    if (before === undefined) {
      change = "only_in_b";
      differs = true;
      notes.push(`${key}: ran only in b`);
    } else if (after === undefined) {
      change = "only_in_a";
      differs = true;
      notes.push(`${key}: ran only in a`);
    } else {
      delta = after.durationMs - before.durationMs;
      if (before.status !== after.status) {
        change = "status";
        if (STEP_RANK[after.status] > STEP_RANK[before.status]) worse = true;
        else better = true;
        notes.push(`${key}: ${before.status} -> ${after.status}`);
      } else if (isChange(before.durationMs, after.durationMs)) {
        change = delta > 0 ? "slower" : "faster";
        notes.push(
          `${key}: ${change} ${formatDuration(before.durationMs)} -> ${formatDuration(after.durationMs)}`,
        );
      }
      if (before.invocations !== after.invocations || before.retries !== after.retries) differs = true;
    }
    steps.push({ step: key, a: before, b: after, change, durationDeltaMs: delta });
  }

  const rankA = RUN_RANK[left.status ?? "client_closed"] ?? 1;
  const rankB = RUN_RANK[right.status ?? "client_closed"] ?? 1;
  if (left.status !== right.status) notes.unshift(`run: ${left.status ?? "?"} -> ${right.status ?? "?"}`);
  let verdict: CompareVerdict;
  if (rankB > rankA || (rankB === rankA && worse)) verdict = "regressed";
  else if (rankB < rankA || better) verdict = "improved";
  else if (isChange(left.durationMs, right.durationMs)) {
    verdict = right.durationMs > left.durationMs ? "slower" : "faster";
    notes.unshift(
      `run: ${verdict} ${formatDuration(left.durationMs)} -> ${formatDuration(right.durationMs)}`,
    );
  } else verdict = differs || left.status !== right.status ? "changed" : "same";

  return {
    a: { runId: left.runId, status: left.status, durationMs: left.durationMs },
    b: { runId: right.runId, status: right.status, durationMs: right.durationMs },
    steps,
    verdict,
    notes,
  };
}
