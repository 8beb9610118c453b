/**
 * A chat pipeline whose answer step streams a real model's tokens, written twice: with the
 * official `openai` package (chat completions, `stream: true`) and with the Vercel AI SDK's
 * `streamText` (`@ai-sdk/openai`, which uses the Responses API). Both pass the step's `signal`
 * to the client, so a timeout, a cancellation or a consumer leaving the loop aborts the request.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { streamText } from "ai";
import { Pipe } from "justpipe";
import OpenAI from "openai";

export interface Chat {
  question: string;
  /** Which client answers. */
  client: "openai" | "ai-sdk";
  /** The answer so far. */
  answer: string;
}

export interface ModelOptions {
  apiKey: string;
  /** Another OpenAI-compatible endpoint; defaults to the OpenAI API. */
  baseURL?: string | undefined;
  /** Model name; "broken-model" makes the local fake server fail. */
  model: string;
}

export function createChatPipeline({ apiKey, baseURL, model }: ModelOptions): Pipe<Chat> {
  // maxRetries 0: let the pipeline's own `retries` option decide (none here).
  const openai = new OpenAI({ apiKey, baseURL, maxRetries: 0 });
  const aiSdk = createOpenAI({ apiKey, baseURL });

  const pipe = new Pipe<Chat>({ name: "llm-chat" });

  pipe.switch("pickClient", ({ state }) => state.client, {
    to: { openai: "openaiAnswer", "ai-sdk": "aiSdkAnswer" },
  });

  pipe.step(
    "openaiAnswer",
    async function* ({ state, signal }) {
      const stream = await openai.chat.completions.create(
        { model, messages: [{ role: "user", content: state.question }], stream: true },
        { signal }, // aborts the HTTP request when the step is cancelled
      );
      for await (const chunk of stream) {
        const token = chunk.choices[0]?.delta?.content;
        if (token) {
          state.answer += token;
          yield token;
        }
      }
    },
    { timeout: 60_000 },
  );

  pipe.step(
    "aiSdkAnswer",
    async function* ({ state, signal }) {
      const result = streamText({
        model: aiSdk(model),
        prompt: state.question,
        abortSignal: signal,
        maxRetries: 0,
        onError: () => {}, // the default logs to the console; we rethrow below instead
      });
      // fullStream, not textStream: textStream hides errors, fullStream reports them as parts.
      for await (const part of result.fullStream) {
        if (part.type === "text-delta") {
          state.answer += part.text;
          yield part.text;
        } else if (part.type === "error") {
          throw part.error;
        }
      }
    },
    { timeout: 60_000 },
  );

  return pipe;
}
