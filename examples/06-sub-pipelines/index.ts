/**
 * Sub-pipelines: a Pipe runs as one step of another. The sub step's handler returns the child's
 * state; the child's events are forwarded into the parent's stream with the stage prefixed
 * ("summarize:countWords") and run lineage (`originRunId`, `parentRunId`). A sub step can also
 * be a map worker: a sequence of steps per item.
 *
 *   npx tsx examples/06-sub-pipelines/index.ts
 */
import { EventType, Pipe } from "justpipe";

// ── The child: summarize one document ──────────────────────────────────────────────────────

interface Doc {
  title: string;
  text: string;
  words: number;
  summary: string;
}

const summarize = new Pipe<Doc>({ name: "summarize" });
summarize.step(
  "clean",
  ({ state }) => {
    state.text = state.text.replace(/\s+/g, " ").trim();
  },
  { to: "countWords" },
);
summarize.step(
  "countWords",
  ({ state }) => {
    if (state.text === "") throw new Error(`'${state.title}' is empty`);
    state.words = state.text.split(" ").length;
  },
  { to: "write" },
);
summarize.step("write", async function* ({ state }) {
  state.summary = `${state.title} (${state.words} words): ${state.text.split(" ").slice(0, 4).join(" ")}…`;
  yield state.summary;
});

// ── 1. One sub step ────────────────────────────────────────────────────────────────────────

interface Page {
  title: string;
  body: string;
  published?: string;
}

const page = new Pipe<Page>({ name: "page" });
page.sub(
  "summarizeBody",
  // The handler returns the child's state.
  ({ state }): Doc => ({ title: state.title, text: state.body, words: 0, summary: "" }),
  { pipeline: summarize, to: "publish" },
);
page.step("publish", ({ state }) => {
  state.published = state.title.toUpperCase();
});

console.log("── one sub-pipeline: the parent's stream ──");
const runIds = new Map<string, string>();
const short = (id: string) => {
  if (!runIds.has(id)) runIds.set(id, `run${runIds.size + 1}`);
  return runIds.get(id)!;
};
for await (const event of page.run({
  title: "Streams",
  body: "  Async   iterators carry every event of a run.  ",
})) {
  if (event.type === EventType.TOKEN || event.type === EventType.BARRIER_WAIT) continue;
  const forwardedBy = event.parentRunId === null ? "-" : short(event.parentRunId);
  const lineage = `origin=${short(event.originRunId)} forwardedBy=${forwardedBy}`;
  const status = event.type === EventType.FINISH ? ` ${event.payload.status}` : "";
  console.log(`  ${event.type.padEnd(10)} ${event.stage.padEnd(26)} ${lineage}${status}`);
}

// ── 2. A failing child fails the sub step, with the child step's name ──────────────────────

console.log("\n── a failure inside the child ──");
for await (const event of page.run({ title: "Blank", body: "   " })) {
  if (event.type === EventType.FINISH && event.parentRunId === null) {
    console.log(`  status=${event.payload.status} failedStep=${event.payload.failedStep}`);
    console.log(`  error=${event.payload.error}`);
  }
}

// ── 3. A sub-pipeline per item: the map's worker is a sub step ─────────────────────────────

interface Library {
  titles: string[];
  texts: string[];
  /** One slot per item: worker i's child state lives here, so its results land in the parent. */
  docs: Doc[];
}

const library = new Pipe<Library>({ name: "library" });
library.map("eachDoc", ({ state }) => state.titles.keys(), {
  each: "summarizeDoc",
  maxConcurrency: 2,
  to: "index",
});
library.sub(
  "summarizeDoc",
  ({ state, item }): Doc => {
    const i = item as number; // a sub handler's `item` is typed unknown: narrow it
    state.docs[i] = { title: state.titles[i]!, text: state.texts[i]!, words: 0, summary: "" };
    return state.docs[i];
  },
  { pipeline: summarize },
);
library.step("index", async function* ({ state }) {
  for (const doc of state.docs) yield `  ${doc.summary}`;
});

console.log("\n── a sub-pipeline per map item ──");
const shelf: Library = {
  titles: ["Barriers", "Backpressure", "Suspend"],
  texts: [
    "A join waits for every parent branch to finish.",
    "A bounded queue makes fast producers wait for slow consumers.",
    "A step may pause the run and resume later from the same step.",
  ],
  docs: [],
};
for await (const event of library.run(shelf)) {
  if (event.type === EventType.TOKEN && event.stage === "index") console.log(event.payload);
  if (event.type === EventType.FINISH && event.parentRunId === null) console.log(`  ${event.payload.status}`);
}
