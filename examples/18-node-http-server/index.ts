/**
 * Serving a pipeline with plain node:http (the same code works with Express's `res` and
 * Fastify's `reply.raw`): a streamed endpoint with `sendToNodeResponse()`, a JSON endpoint with
 * `pipe.invoke()`, and a client that leaves early, which closes the run on the server.
 *
 *   npx tsx examples/18-node-http-server/index.ts
 */
import { createServer, get, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PipelineError } from "justpipe";
import { readEvents, sendToNodeResponse } from "justpipe/http";
import { createRagPipeline, newRagContext, newRagState } from "../16-rag-pipeline/pipeline.js";

const pipe = createRagPipeline({ tokenDelayMs: 0 });
/** What the server saw; printed after each request so the output's order does not depend on timing. */
const serverLog: string[] = [];
pipe.addObserver({
  onPipelineEnd: (end, info) => {
    serverLog.push(`[server] run of "${(info.state as { question: string }).question}" ended: ${end.status}`);
  },
});
function printServerLog(): void {
  for (const line of serverLog.splice(0)) console.log(line);
}

/** The promise of the last streamed response, so the demo can wait for the server's side. */
let served: Promise<void> = Promise.resolve();

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const question = url.searchParams.get("q") ?? "";
  if (url.pathname === "/ask") {
    // Streams the run; when the socket closes early, the run is closed (shutdown hooks run).
    const format = url.searchParams.get("format") === "ndjson" ? "ndjson" : "sse";
    served = sendToNodeResponse(pipe.run(newRagState(question), { context: newRagContext() }), response, {
      format,
      events: "tokens",
    });
    return served;
  }
  if (url.pathname === "/answer") {
    // Runs to the end: a failed run throws a PipelineError whose `end` says where and why.
    try {
      const { state, end } = await pipe.invoke(newRagState(question), { context: newRagContext() });
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({ answer: state.answer, status: end.status, sources: state.context.length }),
      );
    } catch (error) {
      const status = error instanceof PipelineError ? 502 : 500;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: (error as Error).message }));
    }
    return;
  }
  response.writeHead(404).end();
}

const server = createServer((request, response) => void handle(request, response));
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

console.log("── GET /ask?format=ndjson, read from Node's IncomingMessage with readEvents ──");
const message = await new Promise<IncomingMessage>((resolve) =>
  get(`${base}/ask?format=ndjson&q=${encodeURIComponent("How do parallel branches join?")}`, resolve),
);
console.log(`${message.statusCode} ${message.headers["content-type"]}`);
let tokens = 0;
let answer = "";
for await (const event of readEvents(message)) {
  if (event.type === "token") {
    tokens++;
    answer += String(event.payload);
  } else if (event.type === "finish") console.log(`${tokens} tokens, status ${event.payload.status}`);
}
await served;
console.log(`answer: ${answer.slice(0, 60)}...`);
printServerLog();

console.log("\n── GET /ask (sse) with fetch, leaving after five tokens ──");
let seen = "";
let count = 0;
for await (const event of readEvents(
  await fetch(`${base}/ask?q=${encodeURIComponent("What is a barrier?")}`),
)) {
  if (event.type !== "token") continue;
  seen += String(event.payload);
  if (++count === 5) break; // cancels the body: the server closes the run
}
await served;
console.log(`read: ${seen}`);
printServerLog();

console.log("\n── GET /answer: pipe.invoke() behind a JSON endpoint ──");
const json = await (await fetch(`${base}/answer?q=${encodeURIComponent("What is fan-out?")}`)).json();
console.log(JSON.stringify(json, null, 2));
printServerLog();

server.close();
