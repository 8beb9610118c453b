import { messageOf } from "../events/failure.js";
import type { PipeEvent } from "../events/types.js";

const COLORS: Partial<Record<PipeEvent["type"], string>> = {
  start: "\x1b[36m",
  finish: "\x1b[36m",
  step_start: "\x1b[34m",
  step_end: "\x1b[32m",
  step_error: "\x1b[31m",
  cancelled: "\x1b[33m",
  timeout: "\x1b[33m",
  suspend: "\x1b[35m",
  token: "\x1b[90m",
};

function detail(event: PipeEvent): string {
  switch (event.type) {
    case "token":
      return JSON.stringify(event.payload)?.slice(0, 60) ?? String(event.payload);
    case "step_error":
      return `${event.payload.message}${event.payload.retrying ? " (retrying)" : ""}`;
    case "step_end": {
      const framework = event.meta?.framework as { durationMs?: number } | undefined;
      return framework?.durationMs === undefined ? "" : `${framework.durationMs.toFixed(2)} ms`;
    }
    case "finish":
      return `${event.payload.status} in ${event.payload.durationMs.toFixed(1)} ms${event.payload.error ? `: ${event.payload.error}` : ""}`;
    case "suspend":
    case "cancelled":
    case "timeout":
      return event.payload.reason;
    case "map_worker":
      return `#${event.payload.index}`;
    case "barrier_wait":
      return `waiting for ${event.payload.waitingFor.join(", ")}`;
    default:
      return "";
  }
}

/**
 * Formats one event as a debug log line (`new Pipe({ debug: true })` or `JUSTPIPE_DEBUG=1`).
 * Coloured when `color` is true.
 */
export function formatDebugLine(pipeName: string, event: PipeEvent, color: boolean): string {
  const time = new Date(event.timestamp).toISOString().slice(11, 23);
  const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : "";
  const text = detail(event);
  const body = `${event.type.padEnd(15)} ${event.stage}${attempt}${text ? `  ${text}` : ""}`;
  const line = `${time} [${pipeName}] #${event.seq} ${body}`;
  if (!color) return line;
  return `\x1b[90m${time} [${pipeName}] #${event.seq}\x1b[0m ${COLORS[event.type] ?? ""}${body}\x1b[0m`;
}

/** Writes one debug line to stderr. */
export function logDebug(pipeName: string, event: PipeEvent): void {
  try {
    process.stderr.write(`${formatDebugLine(pipeName, event, process.stderr.isTTY === true)}\n`);
  } catch (error) {
    process.emitWarning(`justpipe debug log failed: ${messageOf(error)}`);
  }
}
