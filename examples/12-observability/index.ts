/**
 * Observability: an observer sees every run (start, each event, end) without touching the steps;
 * `debug: true` (or JUSTPIPE_DEBUG=1) logs one line per event to stderr; FINISH carries runtime
 * metrics; steps record structured meta; an event hook rewrites events before delivery.
 *
 *   npx tsx examples/12-observability/index.ts              # the debug log goes to stderr
 *   npx tsx examples/12-observability/index.ts 2>/dev/null  # only the report
 */
import { EventType, type Observer, Pipe, type PipeEvent } from "justpipe";

interface Search {
  query: string;
  web: string[];
  docs: string[];
  answer: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const pipe = new Pipe<Search>({ name: "search", debug: true, metadata: { model: "fake-llm-1" } });

pipe.step("plan", () => {}, { to: ["searchWeb", "searchDocs"] });
pipe.step(
  "searchWeb",
  async ({ state, attempt, meta }) => {
    await sleep(5);
    if (attempt === 1) throw new Error("web search timed out"); // fails once: a retry shows up in metrics
    state.web = ["web: pipelines", "web: streaming"];
    meta.run.increment("documents", state.web.length);
  },
  { to: "answer", retries: 1 },
);
pipe.step(
  "searchDocs",
  async ({ state, meta }) => {
    await sleep(20);
    state.docs = ["docs: barriers"];
    meta.step.set("index", "docs-v2"); // rides on this step's STEP_END
    meta.run.increment("documents", state.docs.length); // rides on FINISH
  },
  { to: "answer" },
);
pipe.step("answer", async function* ({ state, meta }) {
  meta.step.set("model", meta.pipeline.get("model"));
  for (const word of ["Found", "3", "sources", "for", state.query]) yield word;
});

// An event hook may rewrite events before anyone sees them: here it masks digits in tokens.
pipe.addEventHook((event) =>
  event.type === EventType.TOKEN ? { ...event, payload: String(event.payload).replace(/\d/g, "#") } : event,
);

// An observer: a tiny tracer that turns STEP_START / STEP_END / STEP_ERROR into spans.
interface Span {
  name: string;
  attempt: number;
  status?: string;
  tokens: number;
}
const spans = new Map<string, Span>();
const report: string[] = [];
const tracer: Observer<Search> = {
  onPipelineStart: (info) => void report.push(`observer: run of '${info.pipeName}' starting`),
  onEvent: (event: PipeEvent<Search>) => {
    const id = event.invocationId;
    if (id === null) return;
    if (event.type === EventType.STEP_START)
      spans.set(id, { name: event.stage, attempt: event.attempt, tokens: 0 });
    const span = spans.get(id);
    if (span === undefined) return;
    if (event.type === EventType.TOKEN) span.tokens++;
    if (event.type === EventType.STEP_END) span.status = "ok";
    if (event.type === EventType.STEP_ERROR) span.status = `error: ${event.payload.message}`;
  },
  onPipelineEnd: (end) => void report.push(`observer: run ended ${end.status}`),
  onPipelineError: (error, end) =>
    void report.push(`observer: run failed (${end.failedStep}): ${String(error)}`),
};
pipe.addObserver(tracer);

const state: Search = { query: "justpipe", web: [], docs: [], answer: "" };
const tokens: string[] = [];
let finish: PipeEvent<Search> | undefined;
let docsMeta: unknown;
for await (const event of pipe.run(state)) {
  if (event.type === EventType.TOKEN) tokens.push(String(event.payload));
  if (event.type === EventType.STEP_END && event.stage === "searchDocs") docsMeta = event.meta?.data;
  if (event.type === EventType.FINISH) finish = event;
}

console.log(`tokens (after the event hook): ${tokens.join(" ")}`);
console.log(report.join("\n"));
console.log("spans:");
for (const span of spans.values()) {
  console.log(
    `  ${span.name.padEnd(10)} attempt ${span.attempt}  ${span.status}${span.tokens ? `, ${span.tokens} tokens` : ""}`,
  );
}
console.log(`searchDocs step meta: ${JSON.stringify(docsMeta)}`);

if (finish?.type === EventType.FINISH) {
  const { metrics } = finish.payload;
  console.log(`run meta on FINISH: ${JSON.stringify(finish.meta)}`);
  console.log("metrics on FINISH:");
  console.log(`  tasks: ${JSON.stringify(metrics?.tasks)}`);
  console.log(`  retries: ${metrics?.retries}, tokens: ${metrics?.tokens}`);
  console.log(
    `  barrier 'answer': ${metrics?.barriers.answer?.waits} wait, ${metrics?.barriers.answer?.releases} release`,
  );
  console.log(
    `  steps timed: ${Object.keys(metrics?.stepLatency ?? {})
      .sort()
      .join(", ")}`,
  );
  console.log(`  events: ${JSON.stringify(metrics?.events)}`);
}
