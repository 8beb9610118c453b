/** `runs timeline` and `runs compare`, drawn by `justpipe/inspect`. */
import type { Command } from "commander";
import {
  buildTimeline,
  compareRuns,
  type GanttRole,
  renderGantt,
  type StepComparison,
} from "justpipe/inspect";
import type { CommandContext } from "../context.js";
import { findRun, withStore } from "../context.js";
import { type Colors, colorStatus, renderTable, writeJson, writeLines } from "../output.js";
import { runToJson, shortId } from "../run-json.js";
import { formatDuration } from "../time.js";
import { parseCount } from "./runs-list.js";

type Action = (
  run: (context: CommandContext, ...args: any[]) => Promise<void>,
) => (...args: unknown[]) => Promise<void>;

function roleColor(colors: Colors): (text: string, role: GanttRole) => string {
  return (text, role) => {
    switch (role) {
      case "success":
        return colors.green(text);
      case "failed":
        return colors.red(text);
      case "retried":
        return colors.yellow(text);
      case "cancelled":
        return colors.magenta(text);
      case "running":
        return colors.cyan(text);
      case "header":
      case "axis":
      case "idle":
      case "barrier":
        return colors.dim(text);
      default:
        return text;
    }
  };
}

/** Prints a run's Gantt chart. */
async function showTimeline(
  context: CommandContext,
  id: string,
  options: { width?: string; json?: boolean },
) {
  const { run, events } = await withStore(context, async (store) => {
    const found = await findRun(context, store, id);
    return { run: found, events: await store.getEvents(found.runId) };
  });
  const timeline = buildTimeline(events);
  if (options.json) {
    writeJson({ run: runToJson(run), timeline });
    return;
  }
  const width = parseCount("--width", options.width, process.stdout.columns || 100);
  writeLines(renderGantt(timeline, { width, color: roleColor(context.colors) }));
}

function changeText(step: StepComparison, colors: Colors): string {
  switch (step.change) {
    case "only_in_a":
      return colors.yellow("only in a");
    case "only_in_b":
      return colors.yellow("only in b");
    case "status":
      return colors.red("status");
    case "slower":
      return colors.red(`slower +${formatDuration(step.durationDeltaMs ?? 0)}`);
    case "faster":
      return colors.green(`faster ${formatDuration(step.durationDeltaMs ?? 0)}`);
    default:
      return colors.dim("same");
  }
}

/** Compares two runs step by step. */
async function showComparison(context: CommandContext, a: string, b: string, options: { json?: boolean }) {
  const { runA, runB, eventsA, eventsB } = await withStore(context, async (store) => {
    const first = await findRun(context, store, a);
    const second = await findRun(context, store, b);
    const [left, right] = await Promise.all([store.getEvents(first.runId), store.getEvents(second.runId)]);
    return { runA: first, runB: second, eventsA: left, eventsB: right };
  });
  const comparison = compareRuns(eventsA, eventsB);
  if (options.json) {
    writeJson({ a: runToJson(runA), b: runToJson(runB), comparison });
    return;
  }
  const { colors } = context;
  const side = (summary: StepComparison["a"]) =>
    summary === undefined
      ? colors.dim("-")
      : `${colorStatus(summary.status, colors)} ${formatDuration(summary.durationMs)}`;
  writeLines(
    `${colors.dim("a")} ${shortId(runA.runId)}  ${runA.pipeName}  ${colorStatus(runA.status, colors)}  ${formatDuration(runA.durationMs)}`,
    `${colors.dim("b")} ${shortId(runB.runId)}  ${runB.pipeName}  ${colorStatus(runB.status, colors)}  ${formatDuration(runB.durationMs)}`,
    "",
    renderTable<StepComparison>(
      comparison.steps,
      [
        { header: "STEP", cell: (step) => step.step },
        { header: "A", cell: (step) => side(step.a) },
        { header: "B", cell: (step) => side(step.b) },
        { header: "CHANGE", cell: (step) => changeText(step, colors) },
      ],
      colors,
    ),
    "",
    ...comparison.notes.map((note) => colors.dim(note)),
    `${colors.bold("verdict")} ${comparison.verdict === "regressed" || comparison.verdict === "slower" ? colors.red(comparison.verdict) : comparison.verdict === "same" ? comparison.verdict : colors.green(comparison.verdict)}`,
  );
}

/** Adds `runs timeline` and `runs compare`. */
export function inspectCommands(runs: Command, action: Action): void {
  runs
    .command("timeline")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("a Gantt chart of the run's steps on a shared time axis")
    .option("--width <columns>", "the chart's width (default: the terminal's)")
    .option("--json", "the timeline model as JSON")
    .action(action(showTimeline));
  runs
    .command("compare")
    .argument("<a>", "the baseline run (id or prefix)")
    .argument("<b>", "the run to compare with it")
    .description("per step: status and duration side by side, steps only in one run, a verdict")
    .option("--json", "the comparison as JSON")
    .action(action(showComparison));
}
