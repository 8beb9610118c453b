// OpenTelemetry traces for a pipeline: instrument() turns each run into a "run <pipe>" span and
// each step invocation into a "step <name>" span, and runs every handler inside its step's span,
// so spans the handler starts (here a fake HTTP call) nest under it.
import { context, type Span, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { Pipe } from "justpipe";
import { instrument } from "justpipe/otel";

// 1. The SDK, as an application sets it up once at startup. The context manager carries the active
// span across `await`; the exporters decide where spans go. `--console` adds the SDK's console
// exporter, which prints every span as it ends (with its ids and times).
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const memory = new InMemorySpanExporter();
const processors: SpanProcessor[] = [new SimpleSpanProcessor(memory)];
if (process.argv.includes("--console")) processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: processors }));
const tracer = trace.getTracer("example");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// 2. The pipelines: a research pipe with a fan-out, a retried step, a map whose workers are a
// sub-pipeline, and a streaming answer that reports its model usage through meta.
interface Note {
  text: string;
  summary?: string;
}
interface State {
  question: string;
  sources: string[];
  notes: Note[];
  answer: string;
}

const summarize = new Pipe<Note>({ name: "summarize" });
summarize.step("shorten", ({ state }) => {
  state.summary = state.text.split(":")[0];
});

const pipe = new Pipe<State>({ name: "research" });
pipe.step("plan", () => {}, { to: ["searchWeb", "searchDocs"] });
pipe.step(
  "searchWeb",
  async ({ state }) => {
    // An instrumented HTTP client would start this span itself.
    await tracer.startActiveSpan("GET search.example/api", async (span: Span) => {
      await sleep(30);
      span.end();
    });
    state.sources.push("web: justpipe streams typed events");
  },
  { to: "merge" },
);
let docsAttempts = 0;
pipe.step(
  "searchDocs",
  ({ state }) => {
    if (++docsAttempts === 1) throw new Error("index warming up");
    state.sources.push("docs: one span per step invocation");
  },
  { to: "merge", retries: { attempts: 1, minDelay: 1, jitter: false } },
);
pipe.step(
  "merge",
  ({ state }) => {
    state.sources.sort();
  },
  { to: "notes" },
);
pipe.map("notes", ({ state }) => state.sources, { each: "summarizeSource", to: "answer" });
pipe.sub(
  "summarizeSource",
  ({ state, item }) => {
    const note: Note = { text: item as string };
    state.notes.push(note);
    return note; // the child run's state
  },
  { pipeline: summarize },
);
pipe.step("answer", async function* ({ state, meta }) {
  meta.step.set("model", "gpt-4o-mini");
  meta.step.set("provider", "openai");
  for (const word of ["Sources:", ...state.notes.map((note) => `${note.summary}.`)]) yield `${word} `;
  meta.step.set("usage", { inputTokens: 42, outputTokens: 3 });
});

// 3. Instrument the pipe: its sub-pipeline (`summarize`) is instrumented with it.
instrument(pipe);

// 4. Run inside a request's span: the run span becomes its child.
const state: State = { question: "How is a pipeline traced?", sources: [], notes: [], answer: "" };
await tracer.startActiveSpan("POST /ask", async (request: Span) => {
  for await (const event of pipe.run(state)) if (event.type === "token") state.answer += event.payload;
  request.end();
});
console.log(`answer: ${state.answer.trim()}`);

// 5. The trace as a tree, built from the finished spans (ids and times left out).
const spans = memory.getFinishedSpans();
console.log(`\n${spans.length} spans, ${new Set(spans.map((s) => s.spanContext().traceId)).size} trace:`);
const order = (span: ReadableSpan) => {
  const id = span.attributes["justpipe.invocation_id"];
  return typeof id === "string" ? Number(id.slice(id.lastIndexOf(":") + 1)) : 0;
};
function describe(span: ReadableSpan): string {
  const a = span.attributes;
  const parts = [span.name];
  if (a["justpipe.status"] !== undefined && span.name.startsWith("run "))
    parts.push(`status=${a["justpipe.status"]}`);
  if (a["justpipe.map.index"] !== undefined) parts.push(`map.index=${a["justpipe.map.index"]}`);
  if (span.name.startsWith("step ") && a["justpipe.attempt"] !== 1)
    parts.push(`attempt=${a["justpipe.attempt"]}`);
  if (span.status.message !== undefined) {
    parts.push(`ERROR "${span.status.message}"${a["justpipe.retrying"] ? " (retried)" : ""}`);
  }
  if (a["justpipe.tokens"] !== undefined) parts.push(`tokens=${a["justpipe.tokens"]}`);
  if (a["gen_ai.request.model"] !== undefined) {
    parts.push(
      `${a["gen_ai.request.model"]} in=${a["gen_ai.usage.input_tokens"]} out=${a["gen_ai.usage.output_tokens"]}`,
    );
  }
  // Which branch arrives last depends on timing: print only that the join waited.
  for (const event of span.events) {
    if (event.name === "justpipe.barrier.wait")
      parts.push(`[barrier wait at ${event.attributes?.["justpipe.step"]}]`);
  }
  return parts.join("  ");
}
function print(parentId: string | undefined, depth: number): void {
  const children = spans
    .filter((span) => span.parentSpanContext?.spanId === parentId)
    .sort((a, b) => order(a) - order(b));
  for (const span of children) {
    console.log(`${"  ".repeat(depth)}${describe(span)}`);
    print(span.spanContext().spanId, depth + 1);
  }
}
print(undefined, 1);
