import { EventType, type PipeEvent } from "../index.js";

/**
 * Which events a served run sends. The run's own `FINISH` is always sent, so a client always
 * learns how the run ended.
 *
 * - `"tokens"`: `TOKEN` events only (the text a chat UI shows).
 * - `"progress"`: what a progress UI needs: `STEP_START`, `STEP_END`, `STEP_ERROR`, `TOKEN`,
 *   `SUSPEND`, `TIMEOUT`, `CANCELLED`, `MAP_START`, `MAP_COMPLETE`; not `START` (its payload is
 *   the run's state), the per-worker `MAP_WORKER` nor the barrier events.
 * - `"all"`: every event, `START` and its state included.
 * - a function: the events for which it returns `true`.
 */
export type EventSelection = "tokens" | "progress" | "all" | ((event: PipeEvent) => boolean);

const PROGRESS: ReadonlySet<string> = new Set([
  EventType.STEP_START,
  EventType.STEP_END,
  EventType.STEP_ERROR,
  EventType.TOKEN,
  EventType.SUSPEND,
  EventType.TIMEOUT,
  EventType.CANCELLED,
  EventType.MAP_START,
  EventType.MAP_COMPLETE,
]);

/** True for the run's own `FINISH` (not one forwarded from a sub-pipeline). */
export function isRunFinish(event: PipeEvent): boolean {
  return event.type === EventType.FINISH && event.parentRunId === null;
}

/**
 * The predicate for a selection (the run's `FINISH` always passes).
 *
 * @param selection - the `events` option.
 * @throws TypeError when the selection is none of the documented values.
 */
export function selectEvents(selection: EventSelection): (event: PipeEvent) => boolean {
  if (typeof selection === "function") return (event) => isRunFinish(event) || selection(event) === true;
  switch (selection) {
    case "all":
      return () => true;
    case "tokens":
      return (event) => event.type === EventType.TOKEN || isRunFinish(event);
    case "progress":
      return (event) => PROGRESS.has(event.type) || isRunFinish(event);
    default:
      throw new TypeError(
        `justpipe/http: expected \`events\` to be "tokens", "progress", "all" or a function, got \`${String(selection)}\`.`,
      );
  }
}
