import type { PipeEvent, SerializedError } from "../index.js";
import { NDJSON_ERROR_TYPE, SSE_ERROR_EVENT } from "./formats.js";
import { isRunFinish } from "./select.js";
import { SseParser } from "./sse-parser.js";
import { StreamError } from "./stream-error.js";

/**
 * What `readEvents()` reads: a `fetch` `Response`, its `body`, or any async iterable of bytes or
 * text (a Node `IncomingMessage`, a `Readable`).
 */
export type EventStreamSource = Response | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;

/** Options of {@link readEvents}. */
export interface ReadEventsOptions {
  /**
   * The stream's format.
   * @default from the response's `content-type`, else from the first character (`{`: ndjson)
   */
  format?: "sse" | "ndjson";
}

/**
 * Reads a served run back into events, in the browser and in Node: the client side of
 * `toResponse()` and `sendToNodeResponse()` (formats `"sse"` and `"ndjson"`; read `"ui-message"`
 * with the AI SDK). Events arrive as JSON: thrown values are {@link SerializedError}s. Leaving the
 * loop early cancels the body, which closes the run on the server.
 *
 * @param source - a `Response`, a body stream, or an async iterable of bytes or text.
 * @param options - `format`, when it cannot be told from the response.
 * @returns the run's events, ending with its `FINISH`.
 * @throws {@link StreamError} when the response is not a success, the server wrote an error record,
 *   or the stream ended before the run's `FINISH`.
 *
 * @example
 * ```ts
 * const response = await fetch("/ask", { method: "POST", body: JSON.stringify({ question }) });
 * for await (const event of readEvents(response)) {
 *   if (event.type === "token") output.textContent += String(event.payload);
 * }
 * ```
 */
export async function* readEvents<State = unknown, Token = unknown>(
  source: EventStreamSource,
  options: ReadEventsOptions = {},
): AsyncGenerator<PipeEvent<State, Token>, void, undefined> {
  let format = options.format;
  let body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;
  if (isResponse(source)) {
    if (!source.ok) {
      const text = await source.text().catch(() => "");
      throw new StreamError(
        `The server answered ${source.status} ${source.statusText} instead of an event stream${text === "" ? "" : `: ${text.slice(0, 200)}`}`,
        { status: source.status },
      );
    }
    if (source.headers.get("x-vercel-ai-ui-message-stream") !== null) {
      throw new TypeError(
        'readEvents() reads the "sse" and "ndjson" formats; read a "ui-message" stream with the AI SDK (useChat, readUIMessageStream).',
      );
    }
    format ??= formatOf(source.headers.get("content-type"));
    if (source.body === null) throw new StreamError("The response has no body: expected an event stream.");
    body = source.body;
  } else body = source;

  const decoder = new TextDecoder();
  const sse = new SseParser();
  let pending = "";
  let sawFinish = false;
  const parse = (text: string): PipeEvent<State, Token>[] => {
    if (format === undefined) {
      const first = text.trimStart()[0];
      if (first === undefined) {
        pending += text;
        return [];
      }
      format = first === "{" ? "ndjson" : "sse";
      text = pending + text;
      pending = "";
    }
    const events = format === "ndjson" ? ndjsonRecords(text) : sse.feed(text).map(sseRecord);
    for (const event of events) if (isRunFinish(event)) sawFinish = true;
    return events as PipeEvent<State, Token>[];
  };
  let line = "";
  const ndjsonRecords = (text: string): PipeEvent[] => {
    const lines = (line + text).split("\n");
    line = lines.pop()!;
    return lines.filter((record) => record.trim() !== "").map(ndjsonRecord);
  };

  for await (const chunk of chunksOf(body)) {
    yield* parse(typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }));
  }
  yield* parse(`${decoder.decode()}${format === "ndjson" ? "\n" : ""}`);
  if (!sawFinish) {
    throw new StreamError(
      "The event stream ended before the run's FINISH event: the connection closed early (the server stopped, a proxy timed out, or the run was closed).",
    );
  }
}

function isResponse(source: EventStreamSource): source is Response {
  return typeof Response !== "undefined" && source instanceof Response;
}

function formatOf(contentType: string | null): "sse" | "ndjson" | undefined {
  if (contentType === null) return undefined;
  if (contentType.includes("ndjson") || contentType.includes("jsonl")) return "ndjson";
  if (contentType.includes("text/event-stream")) return "sse";
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new StreamError(`Not a justpipe event stream: a record is not JSON: ${text.slice(0, 200)}`);
  }
}

function ndjsonRecord(text: string): PipeEvent {
  const record = parseJson(text) as { type?: unknown; error?: SerializedError };
  if (record.type === NDJSON_ERROR_TYPE) throw remoteError(record.error);
  return record as PipeEvent;
}

function sseRecord(message: { event: string; data: string }): PipeEvent {
  const record = parseJson(message.data);
  if (message.event === SSE_ERROR_EVENT) throw remoteError(record as SerializedError);
  return record as PipeEvent;
}

function remoteError(remote: SerializedError | undefined): StreamError {
  const name = remote?.name ?? "Error";
  return new StreamError(`The server's run failed: ${name}: ${remote?.message ?? "unknown error"}`, {
    ...(remote === undefined ? {} : { remote }),
  });
}

/** The chunks of a body; a `ReadableStream` is read with a reader (browsers cannot iterate one). */
async function* chunksOf(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string, void, undefined> {
  if (!(typeof ReadableStream !== "undefined" && body instanceof ReadableStream)) {
    yield* body as AsyncIterable<Uint8Array | string>;
    return;
  }
  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
