/** `justpipe runs export <id>`: the run and its events as JSON or JSON lines. */
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { UsageError } from "../errors.js";
import { findRun } from "../find-run.js";
import { jsonReplacer } from "../output.js";
import { runToJson } from "../run-json.js";

/** Options of `runs export`. */
export interface ExportOptions {
  /** `json` (one document `{ run, events }`) or `jsonl` (the run, then one event per line). */
  readonly format?: string;
}

/** Writes a run and its events to stdout. */
export async function exportRun(context: CommandContext, id: string, options: ExportOptions): Promise<void> {
  const format = options.format ?? "json";
  if (format !== "json" && format !== "jsonl")
    throw new UsageError(`--format must be json or jsonl, got "${format}"`);
  const { run, events } = await withStore(context, async (store) => {
    const found = await findRun(context, store, id);
    return { run: found, events: await store.getEvents(found.runId) };
  });
  if (format === "json") {
    process.stdout.write(`${JSON.stringify({ run: runToJson(run), events }, jsonReplacer, 2)}\n`);
    return;
  }
  const lines = [JSON.stringify({ kind: "run", run: runToJson(run) }, jsonReplacer)];
  for (const event of events) lines.push(JSON.stringify({ kind: "event", event }, jsonReplacer));
  process.stdout.write(`${lines.join("\n")}\n`);
}
