/**
 * `npm run demo`: the seed's hello world, then a small parallel pipeline that streams tokens.
 */
import { EventType, Pipe } from "../src/index.js";

const write = (text: string) => process.stdout.write(text);

// 1. Hello world: a step sets state, a streaming step yields a token.
interface Hello {
  message: string;
}
const hello = new Pipe<Hello>({ name: "hello" });
const respond = hello.step("respond", async function* ({ state }) {
  yield `${state.message}, World!`;
});
hello.step(
  "greet",
  async ({ state }) => {
    state.message = "Hello";
  },
  { to: respond },
);

write("── hello world ──\n");
for await (const event of hello.run({ message: "" })) {
  if (event.type === EventType.TOKEN) write(`${event.payload}\n`);
}

// 2. Parallel: two "searches" run at once, a join waits for both, then an answer streams.
interface Research {
  question: string;
  docs: string[];
  news: string[];
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const research = new Pipe<Research>({ name: "research" });

const answer = research.step("answer", async function* ({ state }) {
  const words =
    `Found ${state.docs.length} docs and ${state.news.length} news items about ${state.question}.`.split(" ");
  for (const word of words) {
    await sleep(15);
    yield `${word} `;
  }
});
const searchDocs = research.step(
  "searchDocs",
  async ({ state }) => {
    await sleep(60);
    state.docs = ["pipelines.md", "streaming.md", "barriers.md"];
  },
  { to: answer },
);
const searchNews = research.step(
  "searchNews",
  async ({ state }) => {
    await sleep(30);
    state.news = ["justpipe 0.1 released"];
  },
  { to: answer },
);
research.step(
  "plan",
  ({ state }) => {
    state.question = state.question.trim();
  },
  { to: [searchDocs, searchNews] },
);

write("\n── parallel search, join, streamed answer ──\n");
const started = performance.now();
const at = () => `${(performance.now() - started).toFixed(0).padStart(4)} ms`;
for await (const event of research.run({ question: " async pipelines ", docs: [], news: [] })) {
  switch (event.type) {
    case EventType.STEP_START:
      write(`${at()}  ▶ ${event.stage}\n`);
      break;
    case EventType.STEP_END:
      if (event.stage !== "answer") write(`${at()}  ✓ ${event.stage}\n`);
      break;
    case EventType.BARRIER_RELEASE:
      write(`${at()}  ⇥ ${event.stage} joins both branches\n`);
      break;
    case EventType.TOKEN:
      if (event.stage === "answer") write(String(event.payload));
      break;
    case EventType.FINISH:
      write(`\n${at()}  ■ ${event.payload.status}\n`);
      break;
  }
}
