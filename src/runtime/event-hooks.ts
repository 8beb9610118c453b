import type { FailureJournal } from "../events/failure.js";
import { FailureKind, FailureReason } from "../events/outcome.js";
import type { EventHook } from "../model/observer.js";
import { isThenable } from "./guards.js";
import type { RunEvent } from "./run-event.js";

/**
 * Passes an event through the pipe's event hooks, in order. A hook that throws or returns
 * anything but an event is skipped for this event and recorded as an `infra` failure.
 */
export function applyEventHooks(
  hooks: readonly EventHook[],
  event: RunEvent,
  journal: FailureJournal,
): RunEvent {
  let current = event;
  for (const hook of hooks) {
    try {
      const next = hook(current as never) as unknown;
      if (isThenable(next)) {
        next.then(undefined, () => {});
        throw new TypeError(
          `Event hook ${hook.name || "(anonymous)"} returned a Promise; event hooks are synchronous: return the event itself.`,
        );
      }
      if (next === null || typeof next !== "object" || typeof (next as RunEvent).type !== "string") {
        throw new TypeError(
          `Event hook ${hook.name || "(anonymous)"} returned ${next === null ? "null" : typeof next}; an event hook must return the event (modified or not).`,
        );
      }
      current = next as RunEvent;
    } catch (error) {
      journal.record(FailureKind.INFRA, FailureReason.INTERNAL_ERROR, error, undefined);
    }
  }
  return current;
}
