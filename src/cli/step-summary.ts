/**
 * The per-step table of `runs show`: one row per step (sub-pipeline steps as `sub:child`), built
 * from a run's stored events.
 */
import type { StoredEvent } from "justpipe";

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
  };
}

/** The per-step timings a run's `FINISH` carries (`end.metrics.stepLatency`). */
type StepLatency = Readonly<
  Record<string, { count: number; totalMs: number; maxMs: number; p50Ms: number; minMs?: number }>
>;

interface DescribedNode {
  readonly name: string;
  readonly kind: string;
  readonly pipeline?: {
    readonly nodes?: readonly DescribedNode[];
    readonly edges?: readonly DescribedEdge[];
  };
}
interface DescribedEdge {
  readonly source: string;
  readonly target: string | null;
  readonly kind: string;
}

/** Step kinds from a stored `describe()`: `map worker` for map targets, sub-pipeline steps as `sub:step`. */
export function kindsFromDescription(
  description:
    | { readonly nodes?: readonly DescribedNode[]; readonly edges?: readonly DescribedEdge[] }
    | undefined,
  prefix = "",
  kinds = new Map<string, string>(),
): Map<string, string> {
  const workers = new Set(
    (description?.edges ?? []).filter((edge) => edge.kind === "map").map((edge) => edge.target),
  );
  for (const node of description?.nodes ?? []) {
    kinds.set(`${prefix}${node.name}`, workers.has(node.name) ? "map worker" : node.kind);
    if (node.pipeline?.nodes) kindsFromDescription(node.pipeline, `${prefix}${node.name}:`, kinds);
  }
  return kinds;
}

/**
 * Builds the step table of an ended run without reading every event: timings come from the run's
 * end metrics (and the forwarded `FINISH` of each sub-pipeline run for its steps), failures and
 * retries from its `STEP_ERROR` and `CANCELLED` events, in the order the pipe declares its steps.
 * Percentiles of steps with many invocations are the runtime's sampled ones.
 */
export function summarizeFromMetrics(
  latency: StepLatency,
  events: readonly StoredEvent[],
  kinds: ReadonlyMap<string, string>,
): StepSummary[] {
  const rows = new Map<
    string,
    { timing?: StepLatency[string]; failed: number; retried: number; cancelled: number }
  >();
  const row = (step: string) => {
    let found = rows.get(step);
    if (!found) rows.set(step, (found = { failed: 0, retried: 0, cancelled: 0 }));
    return found;
  };
  for (const [step, timing] of Object.entries(latency)) row(step).timing = timing;
  for (const event of events) {
    if (event.type === "finish" && event.stage !== "system") {
      // A sub-pipeline run's own FINISH, forwarded as "<sub>:system": its steps' timings.
      const prefix = event.stage.slice(0, -"system".length);
      const child =
        (event.payload as { metrics?: { stepLatency?: StepLatency } } | null)?.metrics?.stepLatency ?? {};
      for (const [step, timing] of Object.entries(child)) {
        const existing = row(`${prefix}${step}`);
        existing.timing = existing.timing ? mergeTimings(existing.timing, timing) : timing;
      }
    } else if (event.type === "step_error" && event.invocationId) {
      const retrying = (event.payload as { retrying?: boolean } | null)?.retrying === true;
      if (retrying) row(event.stage).retried++;
      else row(event.stage).failed++;
    } else if (event.type === "cancelled" && event.invocationId) {
      row(event.stage).cancelled++;
    }
  }
  // In the order the pipe declares its steps (sub-pipeline steps after their sub step).
  const order = new Map([...kinds.keys()].map((step, index) => [step, index]));
  const rank = (step: string) => order.get(step) ?? order.size;
  const sorted = [...rows.entries()].sort(([a], [b]) => rank(a) - rank(b));
  return sorted.map(([step, counts]) => {
    const succeeded = counts.timing?.count ?? 0;
    const invocations = succeeded + counts.failed + counts.cancelled;
    return {
      step,
      kind: kinds.get(step) ?? "step",
      invocations,
      attempts: invocations + counts.retried,
      succeeded,
      failed: counts.failed,
      retried: counts.retried,
      cancelled: counts.cancelled,
      running: 0,
      status: counts.failed > 0 ? "failed" : counts.cancelled > 0 ? "cancelled" : "success",
      totalMs: counts.timing?.totalMs ?? 0,
      p50Ms: counts.timing?.p50Ms ?? 0,
      maxMs: counts.timing?.maxMs ?? 0,
    };
  });
}

function mergeTimings(a: StepLatency[string], b: StepLatency[string]): StepLatency[string] {
  // Several runs of one sub-pipeline: exact sums and maxima, the median of the busier one.
  return {
    count: a.count + b.count,
    totalMs: a.totalMs + b.totalMs,
    maxMs: Math.max(a.maxMs, b.maxMs),
    p50Ms: a.count >= b.count ? a.p50Ms : b.p50Ms,
  };
}
