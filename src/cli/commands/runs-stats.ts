/** `justpipe runs stats`: per pipe and per step, runs, success rate, p50/p95 and common failures. */
import { computeStats, type PipeStats, type StepStats } from "justpipe/inspect";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { renderTable, writeJson, writeLines } from "../output.js";
import { formatDuration, formatRelative, formatTimestamp, parseTimePoint } from "../time.js";
import { parseCount } from "./runs-list.js";

/** Options of `runs stats`. */
export interface StatsCommandOptions {
  readonly pipe?: string;
  readonly since?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
}

/** Prints statistics over the newest runs (default: the last 7 days, at most 10,000 runs). */
export async function showStats(context: CommandContext, options: StatsCommandOptions): Promise<void> {
  const since = parseTimePoint("--since", options.since ?? "7d", context.now);
  const limit = parseCount("--limit", options.limit, 10_000);
  const runs = await withStore(context, (store) =>
    store.listRuns({ ...(options.pipe !== undefined && { pipe: options.pipe }), since, limit }),
  );
  const stats = computeStats(runs);
  if (options.json) {
    writeJson({
      since: formatTimestamp(since),
      ...stats,
      pipes: stats.pipes.map((pipe) => ({ ...pipe, lastRunAtIso: formatTimestamp(pipe.lastRunAt) })),
    });
    return;
  }
  const { colors } = context;
  if (stats.pipes.length === 0) {
    writeLines(`No runs since ${formatTimestamp(since)}.`);
    return;
  }
  const blocks: string[] = [
    colors.dim(
      `${stats.runs} runs since ${formatTimestamp(since)}${runs.length === limit ? ` (the newest ${limit})` : ""}`,
    ),
    "",
    renderTable<PipeStats>(
      stats.pipes,
      [
        { header: "PIPE", cell: (pipe) => colors.bold(pipe.pipe) },
        { header: "RUNS", cell: (pipe) => String(pipe.runs), align: "right" },
        { header: "SUCCESS", cell: (pipe) => rateColor(pipe.successRate, colors), align: "right" },
        { header: "P50", cell: (pipe) => formatDuration(pipe.p50Ms), align: "right" },
        { header: "P95", cell: (pipe) => formatDuration(pipe.p95Ms), align: "right" },
        { header: "LAST RUN", cell: (pipe) => formatRelative(pipe.lastRunAt, context.now) },
      ],
      colors,
    ),
  ];
  for (const pipe of stats.pipes) {
    blocks.push("", colors.bold(pipe.pipe));
    if (pipe.steps.length > 0) {
      blocks.push(
        renderTable<StepStats>(
          pipe.steps,
          [
            { header: "  STEP", cell: (step) => `  ${step.step}` },
            { header: "RUNS", cell: (step) => String(step.runs), align: "right" },
            { header: "DONE", cell: (step) => String(step.invocations), align: "right" },
            { header: "SUCCESS", cell: (step) => rateColor(step.successRate, colors), align: "right" },
            { header: "P50", cell: (step) => formatDuration(step.p50Ms), align: "right" },
            { header: "P95", cell: (step) => formatDuration(step.p95Ms), align: "right" },
          ],
          colors,
        ),
      );
    }
    for (const failure of pipe.topFailures) {
      blocks.push(
        `  ${colors.red(`${failure.count}×`)} ${failure.step ? `${failure.step}: ` : ""}${failure.error}`,
      );
    }
  }
  writeLines(...blocks);
}

function rateColor(rate: number | null, colors: CommandContext["colors"]): string {
  if (rate === null) return colors.dim("-");
  const text = percent(rate);
  return rate >= 0.99 ? colors.green(text) : rate >= 0.9 ? colors.yellow(text) : colors.red(text);
}
