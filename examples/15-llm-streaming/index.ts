/**
 * Real LLM streaming with the `openai` package and the Vercel AI SDK, each inside a streaming
 * step. With OPENAI_API_KEY set it talks to OpenAI (or to OPENAI_BASE_URL); without it, it starts
 * a local fake OpenAI server (fake-openai.ts) so the real client code still runs, offline.
 *
 *   npx tsx examples/15-llm-streaming/index.ts
 *   OPENAI_API_KEY=sk-... OPENAI_MODEL=gpt-4o-mini npx tsx examples/15-llm-streaming/index.ts
 */
import { EventType } from "justpipe";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.js";
import { type Chat, createChatPipeline } from "./pipeline.js";

const apiKey = process.env.OPENAI_API_KEY;
let fake: FakeOpenAI | undefined;
if (!apiKey) {
  fake = await startFakeOpenAI();
  console.log("(OPENAI_API_KEY is not set: answering from a local fake OpenAI server)\n");
}
const options = {
  apiKey: apiKey ?? "sk-local-fake",
  baseURL: fake?.baseURL ?? process.env.OPENAI_BASE_URL,
  model: process.env.OPENAI_MODEL ?? "gpt-4o-mini",
};
const question = "In one sentence: what is a streaming pipeline?";

for (const client of ["openai", "ai-sdk"] as const) {
  console.log(
    `── ${client === "openai" ? "openai: chat.completions.create({ stream: true })" : "ai sdk: streamText()"} ──`,
  );
  const pipe = createChatPipeline(options);
  for await (const event of pipe.run({ question, client, answer: "" })) {
    if (event.type === EventType.TOKEN) process.stdout.write(String(event.payload));
    if (event.type === EventType.FINISH) console.log(`\nstatus: ${event.payload.status}\n`);
  }
}

// Cancellation: leaving the loop closes the run, which aborts the step's signal, which aborts
// the HTTP request. (A long answer, so the model is still talking when we leave.)
console.log("── leaving the loop after three tokens ──");
const chat: Chat = { question: "Count from 1 to 1000, separated by commas.", client: "openai", answer: "" };
let tokens = 0;
for await (const event of createChatPipeline(options).run(chat)) {
  if (event.type === EventType.TOKEN) {
    process.stdout.write(String(event.payload));
    if (++tokens === 3) break;
  }
}
console.log("\nleft the loop");
if (fake !== undefined) {
  const request = fake.requests.at(-1)!;
  await request.closed;
  console.log(`the server saw the client hang up mid-stream: ${request.aborted}`);
}

// A failing model: the error is thrown from inside the client package, so FINISH blames an
// external dependency rather than your code.
console.log("\n── a model that fails ──");
for (const client of ["openai", "ai-sdk"] as const) {
  const broken = createChatPipeline({ ...options, model: "broken-model" });
  for await (const event of broken.run({ question, client, answer: "" })) {
    if (event.type === EventType.FINISH) {
      const { status, failureSource, failedStep } = event.payload;
      console.log(`${client}: status ${status}, failedStep ${failedStep}, failureSource ${failureSource}`);
    }
  }
}

await fake?.close();
