import { EventType, type PipeEvent, type PipelineEndData, serializeError, toJsonEvent } from "../index.js";
import type { Encoder } from "./formats.js";

/** Options of the `"ui-message"` format (the Vercel AI SDK's UI message stream). */
export interface UiMessageOptions {
  /**
   * The text a `TOKEN` adds to the assistant message; `undefined` (or `""`) sends nothing for it.
   * @default strings as they are, other values as JSON
   * @example
   * ```ts
   * toResponse(run, { format: "ui-message", tokenText: (token) => (token as { text: string }).text });
   * ```
   */
  tokenText?: (token: unknown, event: PipeEvent) => string | undefined;
  /**
   * The id of the assistant message (the `start` chunk's `messageId`).
   * @default none: the client makes one up
   */
  messageId?: string;
}

/** The `data-*` part type of the events other than tokens and steps (sent as transient data parts). */
export const UI_DATA_PART_TYPE = "data-justpipe";

/** The SSE frame of one UI message chunk. */
function chunk(value: Record<string, unknown>): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

function defaultTokenText(token: unknown): string | undefined {
  if (typeof token === "string") return token;
  if (token === undefined) return undefined;
  return JSON.stringify(toJsonEvent({ payload: token } as PipeEvent).payload);
}

/**
 * The UI message stream protocol (header `x-vercel-ai-ui-message-stream: v1`), as `useChat` and
 * the AI SDK's `readUIMessageStream` read it:
 *
 * - `start` first; then for each step invocation's tokens a text part (`text-start`,
 *   `text-delta`s, `text-end`), one per invocation, so parallel streaming steps do not mix;
 * - `STEP_START` as `start-step`, its `STEP_END`/`STEP_ERROR`/`CANCELLED` as `finish-step` (the
 *   reader forgets open text parts at `finish-step`, so every open text part is ended first);
 * - other selected events as transient `data-justpipe` parts (the JSON event as `data`), which
 *   `useChat`'s `onData` receives and the message does not keep;
 * - the run's `FINISH`: `finish` (`stop` on success, `other` when suspended), or an `error` part
 *   and `finish` `error` when the run failed or timed out, or `abort` when it was cancelled;
 *   then `[DONE]`.
 */
export class UiMessageEncoder implements Encoder {
  readonly headers = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
  };
  readonly heartbeat = ": keep-alive\n\n";
  readonly #tokenText: (token: unknown, event: PipeEvent) => string | undefined;
  readonly #messageId: string | undefined;
  /** Open text parts: the invocation (or stage) that streams into each, and the part's id. */
  readonly #openText = new Map<string, string>();
  #textParts = 0;

  constructor(options: UiMessageOptions) {
    this.#tokenText = options.tokenText ?? defaultTokenText;
    this.#messageId = options.messageId;
  }

  open(): string {
    return chunk(
      this.#messageId === undefined ? { type: "start" } : { type: "start", messageId: this.#messageId },
    );
  }

  encode(event: PipeEvent): string {
    switch (event.type) {
      case EventType.TOKEN:
        return this.#token(event);
      case EventType.STEP_START:
        return chunk({ type: "start-step" });
      case EventType.STEP_END:
        return this.#endText() + chunk({ type: "finish-step" });
      case EventType.STEP_ERROR:
      case EventType.CANCELLED:
        if (event.invocationId === null) return this.#data(event);
        return this.#endText() + this.#data(event) + chunk({ type: "finish-step" });
      case EventType.FINISH:
        return event.parentRunId === null ? this.#endText() + this.#finish(event.payload) : this.#data(event);
      default:
        return this.#data(event);
    }
  }

  fail(error: unknown): string {
    return (
      this.#endText() + chunk({ type: "error", errorText: serializeError(error).message }) + this.close()
    );
  }

  close(): string {
    return "data: [DONE]\n\n";
  }

  #token(event: PipeEvent): string {
    const text = this.#tokenText(event.payload, event);
    if (text === undefined || text === "") return "";
    const key = event.invocationId ?? event.stage;
    let id = this.#openText.get(key);
    let start = "";
    if (id === undefined) {
      id = `text-${++this.#textParts}`;
      this.#openText.set(key, id);
      start = chunk({ type: "text-start", id });
    }
    return start + chunk({ type: "text-delta", id, delta: text });
  }

  #endText(): string {
    let out = "";
    for (const id of this.#openText.values()) out += chunk({ type: "text-end", id });
    this.#openText.clear();
    return out;
  }

  #data(event: PipeEvent): string {
    return chunk({ type: UI_DATA_PART_TYPE, data: toJsonEvent(event), transient: true });
  }

  #finish(end: PipelineEndData): string {
    switch (end.status) {
      case "success":
        return chunk({ type: "finish", finishReason: "stop" });
      case "suspended":
        return chunk({ type: "finish", finishReason: "other" });
      case "cancelled":
        return chunk({ type: "abort", reason: end.reason ?? "cancelled" });
      default: {
        const where = end.failedStep === undefined ? "" : `Step '${end.failedStep}' failed: `;
        const errorText =
          end.status === "timeout" ? "The run timed out" : `${where}${end.error ?? "unknown error"}`;
        return chunk({ type: "error", errorText }) + chunk({ type: "finish", finishReason: "error" });
      }
    }
  }
}
