import type { PipeEvent } from "../index.js";
import { RunSession, type ServeOptions } from "./run-session.js";

/**
 * What `sendToNodeResponse()` needs of a response: Node's `http.ServerResponse` (also Express's
 * `res` and Fastify's `reply.raw`) has all of it.
 */
export interface NodeResponse {
  /** Writes the status line and headers. */
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  /** Writes a chunk; `false` means wait for `drain`. */
  write(chunk: string): boolean;
  /** Ends the response. */
  end(): unknown;
  /** Listens for `drain` and `close`. */
  on(event: "close" | "drain", listener: () => void): unknown;
  /** Stops listening. */
  off(event: "close" | "drain", listener: () => void): unknown;
  /** True once the headers were written. */
  readonly headersSent: boolean;
  /** True once `end()` was called. */
  readonly writableEnded: boolean;
  /** True once the response (or its socket) was destroyed. */
  readonly destroyed: boolean;
  /** Sends the headers now (Node's `ServerResponse` has it). */
  flushHeaders?(): void;
  /** Flushes a compression middleware's buffer (Express's `compression` adds it). */
  flush?(): void;
}

/** Options of {@link sendToNodeResponse}: those of `toReadableStream()`, and the status and headers. */
export interface NodeResponseOptions extends ServeOptions {
  /**
   * Headers added to the format's own, which they may override.
   * @default none
   */
  headers?: Record<string, string>;
  /**
   * The HTTP status.
   * @default 200
   */
  status?: number;
}

/**
 * Streams a run into a Node `ServerResponse` (node:http, Express, Fastify's `reply.raw`), at the
 * pace the client reads it (it waits for `drain`). When the client goes away (the socket closes
 * before the run ends) the run is closed: running steps are aborted and shutdown hooks run.
 *
 * @param run - what `pipe.run(state, options)` returned.
 * @param response - the response to write to (its headers must not have been sent yet, unless
 *   you wrote them yourself).
 * @param options - `format`, `events`, `heartbeatMs`, `signal`, `headers`, `status`.
 * @returns a promise that resolves once the response has ended and the run is over (after its
 *   shutdown hooks when the client went away).
 *
 * @example
 * ```ts
 * createServer((req, res) => {
 *   void sendToNodeResponse(pipe.run({ question: "hi" }), res, { format: "sse" });
 * }).listen(3000);
 * ```
 */
export async function sendToNodeResponse<State>(
  run: AsyncIterable<PipeEvent<State>>,
  response: NodeResponse,
  options: NodeResponseOptions = {},
): Promise<void> {
  const session = new RunSession(run, options);
  const onClose = () => void session.close();
  response.on("close", onClose);
  try {
    if (!response.headersSent) {
      response.writeHead(options.status ?? 200, { ...session.encoder.headers, ...options.headers });
      response.flushHeaders?.();
    }
    if (response.destroyed) await session.close();
    session.startHeartbeat((text) => write(response, text));
    for (let text = await session.next(); text !== undefined; text = await session.next()) {
      if (!write(response, text)) await drained(response);
    }
  } finally {
    response.off("close", onClose);
    if (!response.writableEnded && !response.destroyed) response.end();
    await session.close();
  }
}

function write(response: NodeResponse, text: string): boolean {
  if (response.writableEnded || response.destroyed) return true;
  const more = response.write(text);
  response.flush?.();
  return more;
}

function drained(response: NodeResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}
