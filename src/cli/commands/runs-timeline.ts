/** `justpipe runs timeline <id>`: a Gantt chart of the run's steps, drawn by `justpipe/inspect`. */
import { buildTimeline, type GanttRole, renderGantt } from "justpipe/inspect";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { findRun } from "../find-run.js";
import { type Colors, writeJson, writeLines } from "../output.js";
import { runToJson } from "../run-json.js";
import { parseCount } from "./runs-list.js";

/** Options of `runs timeline`. */
export interface TimelineOptions {
  readonly width?: string;
  readonly json?: boolean;
}

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
export async function showTimeline(context: CommandContext, id: string, options: TimelineOptions) {
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
