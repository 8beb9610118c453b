/**
 * `justpipe/http`: serve a run over HTTP and read it back. No dependencies: Web standards
 * (`ReadableStream`, `Response`) and Node's `ServerResponse`.
 *
 * @example
 * ```ts
 * import { toResponse, readEvents } from "justpipe/http";
 * // server (Hono, Next.js, Bun, Deno...)
 * return toResponse(pipe.run({ question }), { format: "sse", signal: request.signal });
 * // client (browser or Node)
 * for await (const event of readEvents(await fetch("/ask"))) console.log(event.type);
 * ```
 *
 * @packageDocumentation
 */
export type { StreamFormat } from "./formats.js";
export { type NodeResponse, type NodeResponseOptions, sendToNodeResponse } from "./node.js";
export { type EventStreamSource, type ReadEventsOptions, readEvents } from "./read-events.js";
export type { ServeOptions } from "./run-session.js";
export type { EventSelection } from "./select.js";
export { StreamError } from "./stream-error.js";
export { UI_DATA_PART_TYPE, type UiMessageOptions } from "./ui-message.js";
export { type ResponseOptions, toReadableStream, toResponse } from "./web.js";
