/**
 * The client side, the same code in the browser page and in Node: POST a question, read the
 * served run back with `readEvents()`, and report steps and tokens as they arrive.
 */
import { readEvents } from "justpipe/http";

export interface AskHandlers {
  /** A step started (map workers and retries included). */
  onStep?(step: string): void;
  /** A piece of the answer arrived. */
  onToken?(text: string): void;
}

/** Asks the server at `baseUrl` and resolves with the run's status once its FINISH arrives. */
export async function ask(
  baseUrl: string,
  question: string,
  handlers: AskHandlers = {},
  format: "sse" | "ndjson" = "sse",
): Promise<string> {
  const response = await fetch(`${baseUrl}/ask?format=${format}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question }),
  });
  for await (const event of readEvents(response)) {
    if (event.type === "step_start") handlers.onStep?.(event.stage);
    else if (event.type === "token") handlers.onToken?.(String(event.payload));
    else if (event.type === "finish" && event.parentRunId === null) return event.payload.status;
  }
  return "unknown"; // not reached: readEvents throws when the stream ends without FINISH
}
