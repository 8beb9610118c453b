import { formatDuration } from "./format.js";
import type { InvocationStatus, Timeline, TimelineLane } from "./timeline.js";

/** What a piece of Gantt text shows, so a colour function can pick a colour for it. */
export type GanttRole =
  | "header"
  | "label"
  | "axis"
  | "success"
  | "failed"
  | "retried"
  | "cancelled"
  | "running"
  | "barrier"
  | "idle";

/** Options of {@link renderGantt}. */
export interface GanttOptions {
  /**
   * Total width of every line, in characters (a terminal's `process.stdout.columns`). Lines never
   * exceed it; below 30 the chart is clipped to 30.
   * @default 80
   */
  width?: number;
  /**
   * Colours a piece of text (ANSI escapes, for example); the width is computed on the plain text.
   * @default none: plain text
   * @example
   * ```ts
   * import { styleText } from "node:util";
   * renderGantt(timeline, { color: (text, role) => (role === "failed" ? styleText("red", text) : text) });
   * ```
   */
  color?: (text: string, role: GanttRole) => string;
  /**
   * Draws the legend line under the chart.
   * @default true
   */
  legend?: boolean;
}

const GLYPH: Record<Exclude<GanttRole, "header" | "label" | "axis">, string> = {
  success: "█",
  retried: "▒",
  failed: "x",
  cancelled: "-",
  running: ">",
  barrier: "░",
  idle: " ",
};

/** Which mark wins when several invocations of one lane share a cell. */
const PRIORITY: Record<string, number> = {
  idle: 0,
  barrier: 1,
  success: 2,
  running: 3,
  retried: 4,
  cancelled: 5,
  failed: 6,
};

const MIN_WIDTH = 30;

function fit(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}

function laneLabel(lane: TimelineLane): string {
  const count = lane.counts.total > 1 ? ` ×${lane.counts.total}` : "";
  return `${"  ".repeat(lane.depth)}${lane.step}${count}`;
}

function laneSummary(lane: TimelineLane): string {
  const span = lane.end === undefined ? "…" : formatDuration(lane.end - lane.start);
  const { failed, cancelled, retried, running } = lane.counts;
  const marks = [
    failed > 0 ? `${failed} failed` : "",
    cancelled > 0 ? `${cancelled} cancelled` : "",
    retried > 0 ? `${retried} retried` : "",
    running > 0 ? `${running} running` : "",
  ].filter((mark) => mark !== "");
  return marks.length === 0 ? span : `${span} ${marks.join(" ")}`;
}

/**
 * Draws a timeline as a terminal Gantt chart: one row per lane (map workers folded into one row
 * with their count, a sub-pipeline's steps indented under its sub step), bars scaled to the run's
 * duration, and each row's span and failures on the right. Plain text unless `color` is given.
 *
 * Marks: `█` ended, `▒` attempt retried, `x` failed, `-` cancelled, `>` still running, `░` a join
 * waiting at its barrier.
 *
 * @example
 * ```ts
 * console.log(renderGantt(buildTimeline(events), { width: process.stdout.columns ?? 80 }));
 * ```
 */
export function renderGantt(timeline: Timeline, options: GanttOptions = {}): string {
  const width = Math.max(MIN_WIDTH, Math.floor(options.width ?? 80));
  const paint = options.color ?? ((text: string) => text);
  const labels = timeline.lanes.map(laneLabel);
  const summaries = timeline.lanes.map(laneSummary);
  // At the minimum width (30) these leave at least 10 cells for the bars.
  const summaryWidth = Math.min(Math.floor(width * 0.25), Math.max(6, ...summaries.map((s) => s.length)));
  const labelWidth = Math.min(Math.floor(width * 0.3), Math.max(4, ...labels.map((l) => l.length)));
  const barWidth = width - labelWidth - summaryWidth - 4; // " |" + "| " around the bars
  const total = Math.max(timeline.durationMs, timeline.end, 1);
  const cellOf = (ms: number) => Math.min(barWidth - 1, Math.max(0, Math.floor((ms / total) * barWidth)));

  const header = [
    `run ${timeline.runId ?? "?"}`,
    timeline.status ?? "no finish",
    formatDuration(timeline.durationMs),
    timeline.failedStep === undefined ? "" : `failed at ${timeline.failedStep}`,
  ]
    .filter((part) => part !== "")
    .join("  ");
  const lines = [paint(fit(header, width).trimEnd(), "header")];

  timeline.lanes.forEach((lane, row) => {
    const cells: string[] = new Array(barWidth).fill("idle");
    const mark = (from: number, to: number, role: string) => {
      const first = cellOf(from);
      const lastCell = Math.max(first, Math.min(barWidth - 1, Math.ceil((to / total) * barWidth) - 1));
      for (let i = first; i <= lastCell; i++) {
        if (PRIORITY[role]! > PRIORITY[cells[i]!]!) cells[i] = role;
      }
    };
    for (const barrier of timeline.barriers) {
      if (barrier.lane === lane.key) mark(barrier.start, barrier.end ?? timeline.end, "barrier");
    }
    for (const invocation of lane.invocations) {
      mark(invocation.start, invocation.end ?? timeline.end, roleOf(invocation.status));
    }
    let bar = "";
    let i = 0;
    while (i < cells.length) {
      let j = i;
      while (j < cells.length && cells[j] === cells[i]) j++;
      const role = cells[i] as keyof typeof GLYPH;
      bar += paint(GLYPH[role].repeat(j - i), role);
      i = j;
    }
    const summary = summaries[row]!;
    const summaryRole: GanttRole = lane.counts.failed > 0 ? "failed" : "axis";
    lines.push(
      `${paint(fit(labels[row]!, labelWidth), "label")} |${bar}| ${paint(fit(summary, summaryWidth).trimEnd(), summaryRole)}`.trimEnd(),
    );
  });

  const axisEnd = formatDuration(total);
  // "0" under the first cell of the bars, the total under the last.
  const axis = `${" ".repeat(labelWidth + 2)}0${" ".repeat(Math.max(1, barWidth - 1 - axisEnd.length))}${axisEnd}`;
  lines.push(paint(axis.slice(0, width), "axis"));
  if (options.legend !== false) {
    const legend = "█ ended  ▒ retried  x failed  - cancelled  ░ barrier wait  > running";
    lines.push(paint(fit(legend, width).trimEnd(), "axis"));
  }
  return lines.join("\n");
}

function roleOf(status: InvocationStatus): GanttRole {
  return status;
}
