/** One stored event as one line of text (`runs events`, `run`'s progress). */

import type { StoredEvent } from "justpipe";
import type { Colors } from "./output.js";
import { pad, truncate } from "./output.js";
import { formatDuration } from "./time.js";

function short(value: unknown, width = 60): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return truncate((text ?? String(value)).replace(/\s+/g, " "), width);
}

/** What an event says, in a few words. */
export function describePayload(event: StoredEvent): string {
  const payload = event.payload as Record<string, unknown> | undefined;
  switch (event.type) {
    case "token":
      // A coalesced row holds several tokens of one invocation.
      return event.coalesced
        ? `${short((event.payload as unknown[]).join(""))} (${event.coalesced.count} tokens)`
        : short(event.payload);
    case "step_error":
      return `${short(payload?.message)}${payload?.retrying ? " (retrying)" : ""}`;
    case "finish": {
      const end = payload as { status?: string; durationMs?: number; failedStep?: string } | undefined;
      return `${end?.status ?? "?"} in ${formatDuration(end?.durationMs)}${end?.failedStep ? ` at ${end.failedStep}` : ""}`;
    }
    case "suspend":
      return `${short(payload?.reason)} (at ${String(payload?.step ?? "?")})`;
    case "timeout":
    case "cancelled":
      return short(payload?.reason ?? "");
    case "map_start":
      return `→ ${String(payload?.target)}${payload?.itemCount === undefined ? "" : ` × ${String(payload.itemCount)}`}`;
    case "map_worker":
      return `#${String(payload?.index)} → ${String(payload?.target)}`;
    case "map_complete":
      return `${String(payload?.itemCount)} items`;
    case "barrier_wait":
      return `waiting for ${(payload?.waitingFor as string[] | undefined)?.join(", ") ?? "?"}`;
    case "barrier_release":
      return `after ${formatDuration(payload?.durationMs as number | undefined)}`;
    case "step_end": {
      const framework = (event.meta as { framework?: { durationMs?: number } } | null)?.framework;
      return framework?.durationMs === undefined ? "" : formatDuration(framework.durationMs);
    }
    case "step_start":
      return event.attempt > 1 ? `attempt ${event.attempt}` : "";
    default:
      return "";
  }
}

const TYPE_WIDTH = 15;

/** `   12  +0.04 s  step_end        answer        12 ms` */
export function formatEventLine(event: StoredEvent, startedAt: number, colors: Colors): string {
  const offset = `+${formatDuration(Math.max(0, event.timestamp - startedAt))}`;
  const color =
    event.type === "step_error" || event.type === "timeout"
      ? colors.red
      : event.type === "finish"
        ? colors.bold
        : event.type === "token"
          ? colors.cyan
          : event.type === "suspend"
            ? colors.yellow
            : (text: string) => text;
  return [
    pad(String(event.seq), 6, "right"),
    colors.dim(pad(offset, 10, "right")),
    color(pad(event.type, TYPE_WIDTH)),
    pad(event.stage, 16),
    describePayload(event),
  ]
    .join("  ")
    .trimEnd();
}
