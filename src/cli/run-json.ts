/**
 * The JSON shape of a run for `--json`: the stored record, with its times also as ISO strings.
 */
import type { RunRecord } from "justpipe";
import { formatTimestamp } from "./time.js";

/** A run record with exact ISO times next to the stored milliseconds. */
export function runToJson(run: RunRecord): Record<string, unknown> {
  return {
    ...run,
    startedAtIso: formatTimestamp(run.startedAt),
    endedAtIso: run.endedAt === null || run.endedAt === undefined ? null : formatTimestamp(run.endedAt),
  };
}

/** The first `length` characters of a run id (8 tell runs apart). */
export function shortId(runId: string, length = 8): string {
  return runId.slice(0, length);
}
