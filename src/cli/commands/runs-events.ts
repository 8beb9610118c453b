/** `justpipe runs events <id>`: a run's events, filtered, or followed while it runs. */

import type { EventType, StoredEvent } from "justpipe";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { UsageError } from "../errors.js";
import { formatEventLine } from "../event-line.js";
import { findRun } from "../find-run.js";
import { jsonReplacer, writeLines } from "../output.js";
import { parseCount } from "./runs-list.js";

/** Options of `runs events`. */
export interface EventsOptions {
  readonly type?: string[];
  readonly step?: string[];
  readonly follow?: boolean;
  readonly interval?: string;
  readonly json?: boolean;
}

const EVENT_TYPES: readonly EventType[] = [
  "start",
  "finish",
  "suspend",
  "timeout",
  "cancelled",
  "step_start",
  "step_end",
  "step_error",
  "token",
  "barrier_wait",
  "barrier_release",
  "map_start",
  "map_worker",
  "map_complete",
  "state_change",
];

/** Prints (or follows) a run's events. */
export async function showEvents(context: CommandContext, id: string, options: EventsOptions): Promise<void> {
  const types = options.type?.flatMap((value) => value.split(",")).map((value) => value.trim() as EventType);
  for (const type of types ?? []) {
    if (!EVENT_TYPES.includes(type)) {
      throw new UsageError(`--type must be one of ${EVENT_TYPES.join(", ")}; got "${type}"`);
    }
  }
  const steps = options.step?.flatMap((value) => value.split(",")).map((value) => value.trim());
  const interval = parseCount("--interval", options.interval, 200);
  await withStore(context, async (store) => {
    const run = await findRun(context, store, id);
    // Offsets count from the run's first event (its START), on the clock the events were stamped with.
    const [first] = await store.getEvents(run.runId, { limit: 1 });
    const origin = first?.timestamp ?? run.startedAt;
    if (!options.follow) {
      const events = await store.getEvents(run.runId, {
        ...(types !== undefined && { types }),
        ...(steps !== undefined && { steps }),
      });
      if (options.json) process.stdout.write(`${JSON.stringify(events, jsonReplacer, 2)}\n`);
      else if (events.length > 0)
        writeLines(...events.map((event) => formatEventLine(event, origin, context.colors)));
      return;
    }
    let followOrigin = first?.timestamp;
    const keep = (event: StoredEvent) =>
      (types === undefined || types.includes(event.type)) &&
      (steps === undefined || steps.includes(event.stage));
    // Ctrl-C stops following quietly; the store's iteration ends once the run has ended and every
    // event has been read.
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      for await (const event of store.followEvents(run.runId, {
        signal: controller.signal,
        pollInterval: interval,
      })) {
        if (!keep(event)) continue;
        if (options.json) process.stdout.write(`${JSON.stringify(event, jsonReplacer)}\n`);
        else
          process.stdout.write(
            `${formatEventLine(event, (followOrigin ??= event.timestamp), context.colors)}\n`,
          );
      }
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  });
}
