import type { PipeEvent } from "../index.js";
import { RunSession, type ServeOptions } from "./run-session.js";

/** Options of {@link toResponse}: those of {@link toReadableStream}, and the response's status and headers. */
export interface ResponseOptions extends ServeOptions {
  /**
   * Headers added to the format's own (`content-type`, `cache-control: no-cache`, ...), which they
   * may override.
   * @default none
   */
  headers?: Record<string, string> | Headers;
  /**
   * The HTTP status.
   * @default 200
   */
  status?: number;
}

/**
 * A run as a byte stream of server-sent events, newline-delimited JSON or the AI SDK's UI message
 * stream. The run starts when the stream is first read and is pulled at the reader's pace.
 * Cancelling the stream (the client went away) closes the run: running steps are aborted and
 * shutdown hooks run. A run that throws instead of ending (an invalid definition) ends the stream
 * with an error record, which `readEvents()` throws as a `StreamError`.
 *
 * @param run - what `pipe.run(state, options)` returned.
 * @param options - `format`, `events`, `heartbeatMs`, `signal` (see {@link ServeOptions}).
 * @returns a `ReadableStream` of UTF-8 bytes.
 *
 * @example
 * ```ts
 * const body = toReadableStream(pipe.run({ question }), { format: "ndjson" });
 * ```
 */
export function toReadableStream<State>(
  run: AsyncIterable<PipeEvent<State>>,
  options: ServeOptions = {},
): ReadableStream<Uint8Array> {
  return streamOf(new RunSession(run, options));
}

function streamOf(session: RunSession): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  let closed = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        session.startHeartbeat((text) => {
          if (!closed) controller.enqueue(bytes.encode(text));
        });
      },
      async pull(controller) {
        const text = await session.next();
        if (closed) return;
        if (text === undefined) {
          closed = true;
          controller.close();
        } else controller.enqueue(bytes.encode(text));
      },
      cancel() {
        closed = true;
        return session.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * A run as a streaming `Response`, for every server built on Web standards: Hono, Next.js route
 * handlers, Remix, SvelteKit, Bun, Deno, Cloudflare Workers. The headers are the format's
 * (`text/event-stream`, `cache-control: no-cache, no-transform`, `x-accel-buffering: no`, and for
 * `"ui-message"` `x-vercel-ai-ui-message-stream: v1`) plus yours.
 *
 * @param run - what `pipe.run(state, options)` returned.
 * @param options - `format`, `events`, `heartbeatMs`, `signal`, `headers`, `status`.
 * @returns a `Response` whose body streams the run.
 *
 * @example
 * ```ts
 * app.post("/ask", async (c) => {
 *   const { question } = await c.req.json();
 *   return toResponse(pipe.run({ question }), { signal: c.req.raw.signal });
 * });
 * ```
 */
export function toResponse<State>(
  run: AsyncIterable<PipeEvent<State>>,
  options: ResponseOptions = {},
): Response {
  const session = new RunSession(run, options);
  const headers = new Headers(session.encoder.headers);
  if (options.headers !== undefined) {
    for (const [name, value] of new Headers(options.headers)) headers.set(name, value);
  }
  return new Response(streamOf(session), { status: options.status ?? 200, headers });
}
