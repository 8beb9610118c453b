/**
 * A Hono app that serves the RAG pipeline of example 16: `POST /ask?format=sse|ndjson|ui-message`
 * streams a run with `toResponse()`; `GET /` is a page that consumes it in the browser, and
 * `GET /client.js` that page's client (client.ts, bundled on the fly with esbuild).
 */
import { readFile } from "node:fs/promises";
import { build } from "esbuild";
import { Hono } from "hono";
import type { StreamFormat } from "justpipe/http";
import { toResponse } from "justpipe/http";
import { createRagPipeline, newRagContext, newRagState } from "../16-rag-pipeline/pipeline.js";

const FORMATS: readonly StreamFormat[] = ["sse", "ndjson", "ui-message"];
const here = new URL(".", import.meta.url);

/** The question: `{ question }` from a form or script, or the last user message of `useChat`. */
function questionOf(body: {
  question?: string;
  messages?: { role: string; parts: { type: string; text?: string }[] }[];
}): string {
  if (typeof body.question === "string") return body.question;
  const last = body.messages?.findLast((message) => message.role === "user");
  return last?.parts.map((part) => part.text ?? "").join("") ?? "";
}

export function createApp(): Hono {
  const app = new Hono();
  // One Pipe, many runs: the definition is frozen after the first run and shared by all requests.
  const pipe = createRagPipeline({ tokenDelayMs: 0 });

  app.post("/ask", async (c) => {
    const format = (c.req.query("format") ?? "sse") as StreamFormat;
    if (!FORMATS.includes(format)) return c.text(`format must be one of ${FORMATS.join(", ")}`, 400);
    const question = questionOf(await c.req.json());
    const run = pipe.run(newRagState(question), { context: newRagContext(), timeout: 30_000 });
    // The request's signal closes the run when the client goes away.
    return toResponse(run, { format, signal: c.req.raw.signal });
  });

  app.get("/", async (c) => c.html(await readFile(new URL("page.html", here), "utf8")));

  app.get("/client.js", async (c) => {
    const bundle = await build({
      entryPoints: [new URL("client.ts", here).pathname],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      logLevel: "silent",
    });
    return c.body(bundle.outputFiles[0]!.text, 200, { "content-type": "text/javascript; charset=utf-8" });
  });

  return app;
}
