/** `justpipe runs compare <a> <b>`: two runs step by step, compared by `justpipe/inspect`. */
import { compareRuns, type StepComparison } from "justpipe/inspect";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { findRun } from "../find-run.js";
import { type Colors, colorStatus, renderTable, writeJson, writeLines } from "../output.js";
import { runToJson, shortId } from "../run-json.js";
import { formatDuration } from "../time.js";

/** Options of `runs compare`. */
export interface CompareOptions {
  readonly json?: boolean;
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
export async function showComparison(context: CommandContext, a: string, b: string, options: CompareOptions) {
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
