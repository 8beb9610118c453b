/** `justpipe runs list`: newest runs first, filtered by pipe, status and age. */

import type { RunRecord, RunStatus } from "justpipe";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { UsageError } from "../errors.js";
import { colorStatus, renderTable, truncate, writeJson, writeLines } from "../output.js";
import { runToJson, shortId } from "../run-json.js";
import { formatDuration, formatRelative, parseTimePoint } from "../time.js";

/** Options of `runs list`. */
export interface ListOptions {
  readonly pipe?: string;
  readonly status?: string[];
  readonly since?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

/** The statuses a run can have (`--status` is checked against them). */
export const RUN_STATUSES = [
  "running",
  "success",
  "failed",
  "timeout",
  "cancelled",
  "client_closed",
  "suspended",
] as const;

/** Checks `--status` values (comma-separated or repeated). */
export function parseStatuses(values: readonly string[] | undefined): RunStatus[] | undefined {
  if (!values || values.length === 0) return undefined;
  const statuses = values.flatMap((value) => value.split(",")).map((value) => value.trim());
  for (const status of statuses) {
    if (!(RUN_STATUSES as readonly string[]).includes(status)) {
      throw new UsageError(`--status must be one of ${RUN_STATUSES.join(", ")}; got "${status}"`);
    }
  }
  return statuses as RunStatus[];
}

/** Checks a positive integer option. */
export function parseCount(option: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${option} expects a whole number >= 1, got "${text}"`);
  return value;
}

/** Lists runs. */
export async function listRuns(context: CommandContext, options: ListOptions): Promise<void> {
  const limit = parseCount("--limit", options.limit, 20);
  const status = parseStatuses(options.status);
  const since =
    options.since === undefined ? undefined : parseTimePoint("--since", options.since, context.now);
  const runs = await withStore(context, (store) =>
    store.listRuns({
      ...(options.pipe !== undefined && { pipe: options.pipe }),
      ...(status !== undefined && { status }),
      ...(since !== undefined && { since }),
      limit,
    }),
  );
  if (options.json) {
    writeJson(runs.map(runToJson));
    return;
  }
  if (runs.length === 0) {
    writeLines("No runs match.");
    return;
  }
  const { colors } = context;
  writeLines(
    renderTable<RunRecord>(
      runs,
      [
        { header: "ID", cell: (run) => colors.bold(shortId(run.runId)) },
        { header: "PIPE", cell: (run) => truncate(run.pipeName, 28) },
        { header: "STATUS", cell: (run) => colorStatus(run.status, colors) },
        { header: "STARTED", cell: (run) => formatRelative(run.startedAt, context.now) },
        { header: "DURATION", cell: (run) => formatDuration(run.durationMs), align: "right" },
        { header: "FAILED STEP", cell: (run) => (run.failedStep ? colors.red(run.failedStep) : "") },
      ],
      colors,
    ),
  );
}
