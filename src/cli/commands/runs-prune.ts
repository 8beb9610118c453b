/** `justpipe runs prune --older-than 30d`: deletes old runs (asks first on a terminal). */
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { CommandError, UsageError } from "../errors.js";
import { writeJson, writeLines } from "../output.js";
import { formatTimestamp, parseAge, parseTimePoint } from "../time.js";
import { parseStatuses } from "./runs-list.js";

/** Options of `runs prune`. */
export interface PruneOptions {
  readonly olderThan?: string;
  readonly status?: string[];
  readonly pipe?: string;
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly json?: boolean;
}

async function confirm(question: string): Promise<boolean> {
  // Loaded only when asking: most commands never need readline.
  const { createInterface } = await import("node:readline/promises");
  const reader = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await reader.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    reader.close();
  }
}

/** Deletes runs older than a cut-off (and optionally of some statuses or one pipe). */
export async function pruneRuns(context: CommandContext, options: PruneOptions): Promise<void> {
  if (options.olderThan === undefined)
    throw new UsageError("runs prune needs --older-than <age>, for example 30d");
  if (parseAge(options.olderThan) === undefined && !/^\d{4}-/.test(options.olderThan)) {
    throw new UsageError(`--older-than expects an age like 30d or 12h or a date, got "${options.olderThan}"`);
  }
  const olderThan = parseTimePoint("--older-than", options.olderThan, context.now);
  const status = parseStatuses(options.status);
  const filter = {
    olderThan,
    ...(status !== undefined && { status }),
    ...(options.pipe !== undefined && { pipe: options.pipe }),
  };
  const what = (count: number) =>
    `${count === 1 ? "run" : "runs"} started before ${formatTimestamp(olderThan)}${status ? ` with status ${status.join("/")}` : ""}${
      options.pipe ? ` of pipe ${options.pipe}` : ""
    }`;
  await withStore(context, async (store) => {
    if (options.dryRun || (!options.yes && process.stdin.isTTY)) {
      const count = await store.deleteRuns({ ...filter, dryRun: true });
      if (options.dryRun) {
        if (options.json)
          writeJson({ dryRun: true, olderThan: formatTimestamp(olderThan), wouldDelete: count });
        else writeLines(`Would delete ${count} ${what(count)}.`);
        return;
      }
      if (count === 0) {
        writeLines(`No ${what(2)}.`);
        return;
      }
      if (!(await confirm(`Delete ${count} ${what(count)}? [y/N] `))) {
        writeLines("Nothing deleted.");
        return;
      }
    } else if (!options.yes) {
      throw new CommandError(
        "runs prune deletes runs: pass --yes to confirm when not on a terminal (or --dry-run)",
        {
          exitCode: 2,
        },
      );
    }
    const deleted = await store.deleteRuns(filter);
    if (options.json) writeJson({ deleted, olderThan: formatTimestamp(olderThan) });
    else writeLines(`Deleted ${deleted} ${what(deleted)}.`);
  });
}
