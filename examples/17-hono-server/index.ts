/**
 * Serving a pipeline with Hono: starts the app of app.ts on @hono/node-server, then asks it a
 * question twice as clients do: with the page's own client (fetch + readEvents), and as the
 * Vercel AI SDK's `useChat` does (its transport and `readUIMessageStream`).
 *
 *   npx tsx examples/17-hono-server/index.ts           # the demo below, then exits
 *   npx tsx examples/17-hono-server/index.ts --serve   # keeps serving: open http://localhost:3000
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from "ai";
import { createApp } from "./app.js";
import { ask } from "./client.js";

const keepServing = process.argv.includes("--serve");
const server = serve({ fetch: createApp().fetch, port: keepServing ? Number(process.env.PORT ?? 3000) : 0 });
await new Promise<void>((resolve) => server.once("listening", () => resolve()));
const baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;

if (keepServing) {
  console.log(`Serving the RAG pipeline: open ${baseUrl} (Ctrl+C to stop)`);
} else {
  console.log("── the page's client: fetch + readEvents (sse) ──");
  const steps: string[] = [];
  let answer = "";
  const status = await ask(baseUrl, "How do parallel branches join?", {
    onStep: (step) => {
      if (!steps.includes(step)) steps.push(step);
    },
    onToken: (text) => {
      answer += text;
    },
  });
  console.log(`steps: ${steps.join(", ")}`);
  console.log(`answer: ${answer}`);
  console.log(`status: ${status}`);

  console.log("\n── the AI SDK's useChat transport (format ui-message) ──");
  const transport = new DefaultChatTransport<UIMessage>({ api: `${baseUrl}/ask?format=ui-message` });
  const chunks = await transport.sendMessages({
    trigger: "submit-message",
    chatId: "demo",
    messageId: undefined,
    abortSignal: undefined,
    messages: [
      { id: "q1", role: "user", parts: [{ type: "text", text: "What is quantum chromodynamics?" }] },
    ],
  });
  let message: UIMessage | undefined;
  for await (const snapshot of readUIMessageStream({ stream: chunks })) message = snapshot;
  const parts = message?.parts ?? [];
  console.log(`parts: ${parts.filter((part) => part.type === "step-start").length} step-start, then text`);
  console.log(`text: ${parts.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("")}`);

  server.close();
}
