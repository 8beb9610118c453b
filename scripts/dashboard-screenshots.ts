// Writes the dashboard screenshots in docs/ from a store of realistic runs (steps that take
// time, stream tokens, retry, wait at a join, run a sub-pipeline, fail and suspend).
//   npx tsx scripts/dashboard-screenshots.ts
/// <reference lib="dom" />
import { MemoryStore, Pipe, Suspend } from "justpipe";
import { listenDashboard } from "../src/dashboard/start.js";
import { launchBrowser } from "../test/dashboard/support/browser.js";
import { buildApp } from "../test/dashboard/support/build-app.js";
import { runStored } from "../test/dashboard/support/run-stored.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
interface State {
  question: string;
  documents: string[];
  answer: string;
  approved?: boolean;
}

function ragPipe(options: { fail?: boolean; slow?: number } = {}): Pipe<State> {
  const summarize = new Pipe<{ text: string }>({ name: "summarize" });
  summarize.step("condense", async () => sleep(30));
  summarize.step("split", async () => sleep(12), { to: "condense" });
  const pipe = new Pipe<State>({ name: "rag-answer" });
  let attempts = 0;
  pipe.step("answer", async function* ({ state }) {
    for (const word of "Paris is the capital of France, on the Seine.".split(/(?= )/)) {
      await sleep(9);
      state.answer += word;
      yield word;
    }
  });
  pipe.step(
    "rerank",
    async () => {
      await sleep(40 + (options.slow ?? 0));
      if (options.fail) throw new Error("reranker returned 503 Service Unavailable");
    },
    { to: "answer" },
  );
  pipe.sub("summarize_docs", ({ state }) => ({ text: state.documents.join("\n") }), {
    pipeline: summarize,
    to: "rerank",
  });
  pipe.step("fetch_page", async ({ state, item }) => {
    await sleep(15 + Number(item) * 11);
    state.documents.push(`page ${String(item)}`);
  });
  pipe.map("web_search", async () => [0, 1, 2, 3, 4], {
    each: "fetch_page",
    to: "rerank",
    maxConcurrency: 3,
  });
  pipe.step(
    "embed_query",
    async () => {
      await sleep(25);
      if (attempts++ === 0) throw new Error("embedding API rate limited (429)");
    },
    { to: "vector_search", retries: 2 },
  );
  pipe.step("vector_search", async () => sleep(35), { to: "summarize_docs" });
  pipe.step("plan", async () => sleep(18), { to: ["embed_query", "web_search"] });
  return pipe;
}

function approvalPipe(): Pipe<State> {
  const pipe = new Pipe<State>({ name: "publish-report" });
  pipe.step("publish", async () => sleep(10));
  pipe.step("review", async () => new Suspend("waiting for an editor to approve"), { to: "publish" });
  pipe.step("draft", async () => sleep(60), { to: "review" });
  return pipe;
}

const store = new MemoryStore();
const initial = (): State => ({ question: "What is the capital of France?", documents: [], answer: "" });
for (let index = 0; index < 9; index++) {
  await runStored(store, ragPipe({ slow: index * 4, fail: index === 3 }), initial());
  if (index % 3 === 0) await runStored(store, approvalPipe(), initial());
}
const good = await runStored(store, ragPipe(), initial());
const failed = await runStored(store, ragPipe({ fail: true, slow: 30 }), initial());

const dashboard = await listenDashboard({ store, port: 0 }, await buildApp());
for (const scheme of ["light", "dark"] as const) {
  const browser = await launchBrowser(scheme);
  const page = await browser.context.newPage();
  const shoot = async (path: string, ready: string, file: string) => {
    await page.goto(new URL(path, dashboard.url).href);
    await page.waitForSelector(ready);
    await sleep(400);
    await page.screenshot({ path: `docs/${file}${scheme === "dark" ? "-dark" : ""}.png` });
  };
  if (scheme === "light") {
    await shoot("/runs", "tbody tr", "dashboard-runs");
    await shoot(`/runs/${failed.runId}`, ".timeline .bar", "dashboard-run-failed");
    await shoot(`/compare?a=${good.runId}&b=${failed.runId}`, "[data-verdict]", "dashboard-compare");
    await shoot("/pipes/rag-answer", ".chart canvas", "dashboard-pipe");
  } else {
    await shoot(`/runs/${good.runId}?tab=output`, ".timeline .bar", "dashboard-run");
    await shoot("/pipes/rag-answer", ".chart canvas", "dashboard-pipe");
  }
  await browser.close();
}
await dashboard.close();
console.log("docs/dashboard-*.png written");
