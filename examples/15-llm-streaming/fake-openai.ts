/**
 * A local stand-in for the OpenAI API, speaking its streaming wire formats over real HTTP
 * (server-sent events), so the official clients run their real code paths with no network:
 *
 * - `POST /v1/chat/completions` with `stream: true`: `data: {chat.completion.chunk}` lines, then
 *   `data: [DONE]` (what the `openai` package's `chat.completions.create` reads);
 * - `POST /v1/responses` with `stream: true`: `response.created`, `response.output_item.added`,
 *   `response.output_text.delta`..., `response.completed` (what the AI SDK's `openai(model)`
 *   reads: its default is the Responses API).
 *
 * A prompt that asks to "count" gets an endless count ("1, 2, 3, ...", up to 10,000), so a client
 * that stops reading is sure to hang up mid-stream. The model `"broken-model"` answers HTTP 500.
 * Every request is recorded, including whether the client hung up before the stream ended
 * (`aborted`).
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the server received. */
export interface RecordedRequest {
  path: string;
  model: string;
  /** Chunks written before the stream ended or the client left. */
  chunksSent: number;
  /** The client closed the connection before the stream was complete. */
  aborted: boolean;
  /** Resolves when the server is done with the request (completed or aborted). */
  closed: Promise<void>;
}

export interface FakeOpenAI {
  /** The base URL to give the clients (`.../v1`). */
  baseURL: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts the server on 127.0.0.1 and a free port. Each answer is `reply` split into word tokens,
 * one every `delayMs`.
 */
export async function startFakeOpenAI(
  reply = "Pipelines are graphs of plain async functions, streamed to you as events.",
  delayMs = 2,
): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const tokens = reply.split(/(?<= )/); // keep the spaces: "Pipelines ", "are ", ...

  const server = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as { model?: string };
    const counting = /\bcount\b/i.test(JSON.stringify(body));
    let markClosed!: () => void;
    const record: RecordedRequest = {
      path: request.url ?? "",
      model: body.model ?? "",
      chunksSent: 0,
      aborted: false,
      closed: new Promise((resolve) => (markClosed = resolve)),
    };
    requests.push(record);
    response.on("close", () => {
      record.aborted = !response.writableFinished;
      markClosed();
    });

    if (body.model === "broken-model") {
      response.writeHead(500, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: "The model is overloaded", type: "server_error" } }));
      return;
    }
    const answer = counting ? Array.from({ length: 10_000 }, (_, i) => `${i + 1}, `) : tokens;
    if (request.url === "/v1/chat/completions") await streamChat(response, record, answer, delayMs);
    else if (request.url === "/v1/responses") await streamResponses(response, record, answer, delayMs);
    else {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { message: `no route ${request.url}` } }));
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text;
}

function startEvents(response: ServerResponse): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
}

/** Writes one SSE event; false once the client is gone. */
function send(response: ServerResponse, record: RecordedRequest, data: unknown, event?: string): boolean {
  if (response.destroyed) return false;
  const prefix = event === undefined ? "" : `event: ${event}\n`;
  response.write(`${prefix}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
  record.chunksSent++;
  return true;
}

async function streamChat(
  response: ServerResponse,
  record: RecordedRequest,
  tokens: string[],
  delayMs: number,
) {
  startEvents(response);
  const base = {
    id: "chatcmpl-local-1",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: record.model,
  };
  const chunk = (delta: object, finish: string | null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  send(response, record, chunk({ role: "assistant", content: "" }, null));
  for (const token of tokens) {
    await sleep(delayMs);
    if (!send(response, record, chunk({ content: token }, null))) return;
  }
  send(response, record, chunk({}, "stop"));
  send(response, record, "[DONE]");
  response.end();
}

async function streamResponses(
  response: ServerResponse,
  record: RecordedRequest,
  tokens: string[],
  delayMs: number,
) {
  startEvents(response);
  const id = "resp_local_1";
  const itemId = "msg_local_1";
  const created = {
    id,
    object: "response",
    created_at: 1_700_000_000,
    model: record.model,
    status: "in_progress",
  };
  let seq = 0;
  const emit = (type: string, data: object) =>
    send(response, record, { type, sequence_number: seq++, ...data }, type);
  emit("response.created", { response: created });
  emit("response.output_item.added", {
    output_index: 0,
    item: { type: "message", id: itemId, status: "in_progress", role: "assistant", content: [] },
  });
  for (const token of tokens) {
    await sleep(delayMs);
    if (
      !emit("response.output_text.delta", {
        item_id: itemId,
        output_index: 0,
        content_index: 0,
        delta: token,
      })
    )
      return;
  }
  const text = tokens.join("");
  emit("response.output_item.done", {
    output_index: 0,
    item: {
      type: "message",
      id: itemId,
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    },
  });
  emit("response.completed", {
    response: {
      ...created,
      status: "completed",
      usage: { input_tokens: 12, output_tokens: tokens.length, total_tokens: 12 + tokens.length },
    },
  });
  response.end();
}
