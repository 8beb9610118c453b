/** `justpipe runs show <id>`: one run in detail, with its step table. */

import type { EventType, RunRecord, Store, StoredEvent } from "justpipe";
import { eventsOfTypes } from "../../dashboard/events-of-types.js";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { findRun } from "../find-run.js";
import { colorStatus, renderTable, writeJson, writeLines } from "../output.js";
import { runToJson, shortId } from "../run-json.js";
import {
  kindsFromDescription,
  type StepSummary,
  summarizeFromMetrics,
  summarizeSteps,
} from "../step-summary.js";
import { formatDuration, formatRelative, formatTimestamp } from "../time.js";

/** Options of `runs show`. */
export interface ShowOptions {
  readonly json?: boolean;
}

/**
 * Up to this many events, the step table is built from the steps' events (exact: every attempt's
 * duration); past it, from the run's end metrics and its error events (successful attempts'
 * durations, the runtime's sampled percentiles), which costs the same for any length.
 */
const EXACT_STEP_TABLE_LIMIT = 10_000;

/** The events the step table is built from (exact table). */
const STEP_EVENT_TYPES: readonly EventType[] = ["step_start", "step_end", "step_error", "cancelled"];
/** The events an ended run's step table needs besides its end metrics (sub-pipelines' FINISH). */
const ENDED_RUN_EVENT_TYPES: readonly EventType[] = ["step_error", "cancelled", "finish"];

/** The segments of the run's resume chain (same thread), oldest first. */
async function resumeChain(store: Store, run: RunRecord): Promise<RunRecord[]> {
  if (run.threadId === run.runId && run.resumedFrom === null) {
    const later = await store.countRuns({ threadId: run.threadId });
    if (later <= 1) return [run];
  }
  const chain = await store.listRuns({ threadId: run.threadId, limit: 1000 });
  // Oldest first by the resumedFrom links (two segments can start in the same millisecond).
  const ordered: RunRecord[] = [];
  let next = chain.find((segment) => segment.resumedFrom === null);
  while (next !== undefined && !ordered.includes(next)) {
    ordered.push(next);
    const from: string = next.runId;
    next = chain.find((segment) => segment.resumedFrom === from);
  }
  return ordered.length === chain.length ? ordered : chain.sort((a, b) => a.startedAt - b.startedAt);
}

/** The stack of the error that ended the run, when its STEP_ERROR event kept one. */
function failureStack(events: readonly StoredEvent[], run: RunRecord): string | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    if (event.type !== "step_error") continue;
    const payload = event.payload as { retrying?: boolean; error?: unknown; message?: string };
    if (payload.retrying) continue;
    if (run.failedStep && event.stage !== run.failedStep) continue;
    const error: unknown = payload.error;
    if (typeof error === "string" && error.includes("\n")) return error;
    const stack = (error as { stack?: unknown } | undefined)?.stack;
    if (typeof stack === "string") return stack;
  }
  return undefined;
}

/** Shows a run. */
export async function showRun(context: CommandContext, id: string, options: ShowOptions): Promise<void> {
  const { run, events, chain, steps, stepsFrom } = await withStore(context, async (store) => {
    const found = await findRun(context, store, id);
    const resumes = resumeChain(store, found);
    const latency = found.end?.metrics?.stepLatency;
    if (latency && found.lastSeq > EXACT_STEP_TABLE_LIMIT) {
      // A long ended run: timings from its end metrics, failures from its few error events, so a
      // run of 100,000 events shows about as fast as one of ten.
      const [stored, pipeline] = await Promise.all([
        eventsOfTypes(store, found.runId, ENDED_RUN_EVENT_TYPES),
        store.getPipeline(found.pipeHash),
      ]);
      const kinds = kindsFromDescription(pipeline?.describe as Parameters<typeof kindsFromDescription>[0]);
      return {
        run: found,
        events: stored,
        chain: await resumes,
        steps: summarizeFromMetrics(latency, stored, kinds),
        stepsFrom: "metrics" as const,
      };
    }
    // Exact, from the steps' own events: every attempt's duration, failed ones included.
    const stored = await store.getEvents(found.runId, { types: STEP_EVENT_TYPES });
    return {
      run: found,
      events: stored,
      chain: await resumes,
      steps: summarizeSteps(stored),
      stepsFrom: "events" as const,
    };
  });
  const stack = failureStack(events, run);
  if (options.json) {
    writeJson({
      run: runToJson(run),
      events: run.lastSeq,
      resumeChain: chain.map((link) => link.runId),
      errorStack: stack ?? null,
      stepsFrom,
      steps,
    });
    return;
  }
  const { colors } = context;
  const label = (text: string) => colors.dim(text.padEnd(10));
  const lines = [
    `${label("run")}${colors.bold(run.runId)}`,
    `${label("pipe")}${run.pipeName} ${colors.dim(`(${run.pipeHash.slice(0, 12)})`)}`,
    `${label("status")}${colorStatus(run.status, colors)}${
      run.failureKind && run.failureKind !== "none"
        ? `  ${colors.dim("kind")} ${run.failureKind}  ${colors.dim("source")} ${run.failureSource ?? "-"}`
        : ""
    }${run.failedStep ? `  ${colors.dim("step")} ${colors.red(run.failedStep)}` : ""}`,
    `${label("started")}${formatRelative(run.startedAt, context.now)} ${colors.dim(`(${formatTimestamp(run.startedAt)})`)}`,
    `${label("duration")}${formatDuration(run.durationMs)}${run.status === "running" ? colors.dim(" (still running)") : ""}`,
    `${label("events")}${run.lastSeq}`,
  ];
  if (run.labels && Object.keys(run.labels).length > 0) {
    lines.push(
      `${label("labels")}${Object.entries(run.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join("  ")}`,
    );
  }
  if (run.suspendedStep || run.suspendReason) {
    lines.push(
      `${label("suspended")}${colors.yellow(run.suspendReason ?? "")} ${colors.dim(`at ${run.suspendedStep ?? "?"}`)}`,
    );
  }
  if (chain.length > 1) {
    lines.push(
      `${label("resumes")}${chain.map((link) => (link.runId === run.runId ? colors.bold(shortId(link.runId)) : shortId(link.runId))).join(" → ")}`,
    );
  }
  if (run.error) {
    lines.push(`${label("error")}${colors.red(run.error.split("\n")[0]!)}`);
    const body = (stack ?? run.error).split("\n").slice(1);
    for (const line of body) lines.push(`${" ".repeat(10)}${colors.dim(line.trim())}`);
  }
  writeLines(...lines);
  if (steps.length === 0) return;
  writeLines(
    "",
    renderTable<StepSummary>(
      steps,
      [
        { header: "STEP", cell: (step) => step.step },
        { header: "KIND", cell: (step) => colors.dim(step.kind) },
        { header: "CALLS", cell: (step) => String(step.invocations), align: "right" },
        { header: "ATTEMPTS", cell: (step) => String(step.attempts), align: "right" },
        { header: "STATUS", cell: (step) => colorStatus(step.status, colors) },
        { header: "TOTAL", cell: (step) => formatDuration(step.totalMs), align: "right" },
        {
          header: "P50",
          cell: (step) => (step.attempts > 1 ? formatDuration(step.p50Ms) : ""),
          align: "right",
        },
        {
          header: "MAX",
          cell: (step) => (step.attempts > 1 ? formatDuration(step.maxMs) : ""),
          align: "right",
        },
      ],
      colors,
    ),
  );
  if (stepsFrom === "metrics") {
    writeLines(
      colors.dim(`(${run.lastSeq} events: times of successful attempts from the run's metrics, sampled p50)`),
    );
  }
}
