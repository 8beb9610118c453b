/**
 * The per-step table of `runs show`: one row per step (sub-pipeline steps as `sub:child`), built
 * from a run's stored events.
 */
import type { StoredEvent } from "./store-view.js";

/** One step of a run, summarised over its invocations. */
export interface StepSummary {
  /** The stage: the step name, `"<sub>:<child>"` for a sub-pipeline's steps. */
  readonly step: string;
  /** `step`, `map`, `switch`, `sub`, or `map worker` for the workers of a map. */
  readonly kind: string;
  /** Invocations started as attempt 1 (retries are not new invocations). */
  readonly invocations: number;
  /** Every start, retries included. */
  readonly attempts: number;
  /** How many attempts ended each way. */
  readonly succeeded: number;
  readonly failed: number;
  readonly retried: number;
  readonly cancelled: number;
  /** Attempts still open (the run is running, or its process died). */
  readonly running: number;
  /** `failed` when any attempt failed for good, `running`, `cancelled`, else `success`. */
  readonly status: string;
  /** Sum, median and maximum of the attempts' durations in ms. */
  readonly totalMs: number;
  readonly p50Ms: number;
  readonly maxMs: number;
  /** When the first attempt started (ms since the epoch). */
  readonly firstStartAt: number;
}

interface Attempt {
  readonly start: number;
  durationMs?: number;
  outcome?: "success" | "failed" | "retried" | "cancelled";
}

interface Group {
  step: string;
  kind: string;
  invocations: number;
  attempts: Attempt[];
}

/** The median of sorted numbers (0 when empty). */
export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index]!;
}

function durationOf(event: StoredEvent, started: Attempt): number {
  const framework = (event.meta as { framework?: { durationMs?: unknown } } | null)?.framework;
  if (typeof framework?.durationMs === "number") return framework.durationMs;
  return Math.max(0, event.timestamp - started.start);
}

/** Builds the step table from a run's events, in the order steps first started. */
export function summarizeSteps(events: readonly StoredEvent[]): StepSummary[] {
  const groups = new Map<string, Group>();
  const open = new Map<string, Attempt>();
  for (const event of events) {
    if (event.type === "step_start" && event.invocationId) {
      const isWorker = event.scope.length > 0 && /\[\d+\]$/.test(event.scope[event.scope.length - 1]!);
      let group = groups.get(event.stage);
      if (!group) {
        group = {
          step: event.stage,
          kind: isWorker ? "map worker" : event.nodeKind,
          invocations: 0,
          attempts: [],
        };
        groups.set(event.stage, group);
      }
      if (event.attempt <= 1) group.invocations++;
      const attempt: Attempt = { start: event.timestamp };
      group.attempts.push(attempt);
      open.set(event.invocationId, attempt);
      continue;
    }
    if (
      (event.type === "step_end" || event.type === "step_error" || event.type === "cancelled") &&
      event.invocationId
    ) {
      const attempt = open.get(event.invocationId);
      if (!attempt) continue;
      open.delete(event.invocationId);
      attempt.durationMs = durationOf(event, attempt);
      attempt.outcome =
        event.type === "step_end"
          ? "success"
          : event.type === "cancelled"
            ? "cancelled"
            : (event.payload as { retrying?: boolean }).retrying
              ? "retried"
              : "failed";
    }
  }
  return [...groups.values()].map(summarizeGroup);
}

function summarizeGroup(group: Group): StepSummary {
  const count = (outcome: Attempt["outcome"]) => group.attempts.filter((a) => a.outcome === outcome).length;
  const durations = group.attempts
    .map((attempt) => attempt.durationMs)
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
  const failed = count("failed");
  const cancelled = count("cancelled");
  const running = count(undefined);
  return {
    step: group.step,
    kind: group.kind,
    invocations: group.invocations,
    attempts: group.attempts.length,
    succeeded: count("success"),
    failed,
    retried: count("retried"),
    cancelled,
    running,
    status: failed > 0 ? "failed" : running > 0 ? "running" : cancelled > 0 ? "cancelled" : "success",
    totalMs: durations.reduce((sum, ms) => sum + ms, 0),
    p50Ms: percentile(durations, 0.5),
    maxMs: durations[durations.length - 1] ?? 0,
    firstStartAt: group.attempts[0]?.start ?? 0,
  };
}
