import { type PipeEvent, serializeError, toJsonEvent } from "../index.js";
import { UiMessageEncoder, type UiMessageOptions } from "./ui-message.js";

/**
 * The wire format of a served run.
 *
 * - `"sse"`: server-sent events (`text/event-stream`): one message per event, the event type as
 *   the SSE `event:` field, `seq` as its `id:`, the event as JSON in `data:`. Works with the
 *   browser's `EventSource` and with `readEvents()`.
 * - `"ndjson"`: newline-delimited JSON (`application/x-ndjson`): one event per line.
 * - `"ui-message"`: the Vercel AI SDK's UI message stream, so `useChat` consumes the run as an
 *   assistant message (tokens become text, steps become step parts, a failure an error part).
 */
export type StreamFormat = "sse" | "ndjson" | "ui-message";

/** Turns events into the text of one format. */
export interface Encoder {
  /** The response headers of the format. */
  readonly headers: Readonly<Record<string, string>>;
  /** The text of one heartbeat, or `undefined` when the format has none (ndjson). */
  readonly heartbeat: string | undefined;
  /** Text written before the first event ("" for none). */
  open(): string;
  /** The text of one event ("" when the format has nothing to say for it). */
  encode(event: PipeEvent): string;
  /** The text that reports a failure of the stream itself (the run threw instead of ending). */
  fail(error: unknown): string;
  /** Text written after the run's last event ("" for none). */
  close(): string;
}

/** The SSE event name of the error record (not `error`, which `EventSource` uses for connection errors). */
export const SSE_ERROR_EVENT = "justpipe_error";
/** The `type` of the error record in ndjson (no event has this type). */
export const NDJSON_ERROR_TYPE = "error";
/** A comment line: ignored by every SSE reader, it keeps proxies from closing an idle stream. */
const SSE_HEARTBEAT = ": keep-alive\n\n";

/** Caches and proxies must pass the stream through as it is written. */
const STREAMING_HEADERS = { "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" };

class SseEncoder implements Encoder {
  readonly headers = { "content-type": "text/event-stream; charset=utf-8", ...STREAMING_HEADERS };
  readonly heartbeat = SSE_HEARTBEAT;
  open(): string {
    return "";
  }
  encode(event: PipeEvent): string {
    return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(toJsonEvent(event))}\n\n`;
  }
  fail(error: unknown): string {
    return `event: ${SSE_ERROR_EVENT}\ndata: ${JSON.stringify(serializeError(error))}\n\n`;
  }
  close(): string {
    return "";
  }
}

class NdjsonEncoder implements Encoder {
  readonly headers = { "content-type": "application/x-ndjson; charset=utf-8", ...STREAMING_HEADERS };
  readonly heartbeat = undefined;
  open(): string {
    return "";
  }
  encode(event: PipeEvent): string {
    return `${JSON.stringify(toJsonEvent(event))}\n`;
  }
  fail(error: unknown): string {
    return `${JSON.stringify({ type: NDJSON_ERROR_TYPE, error: serializeError(error) })}\n`;
  }
  close(): string {
    return "";
  }
}

/**
 * The encoder of a format (a new one per stream: the ui-message encoder keeps state).
 *
 * @throws TypeError for an unknown format.
 */
export function createEncoder(format: StreamFormat, options: UiMessageOptions): Encoder {
  switch (format) {
    case "sse":
      return new SseEncoder();
    case "ndjson":
      return new NdjsonEncoder();
    case "ui-message":
      return new UiMessageEncoder(options);
    default:
      throw new TypeError(
        `justpipe/http: expected \`format\` to be "sse", "ndjson" or "ui-message", got \`${String(format)}\`.`,
      );
  }
}
