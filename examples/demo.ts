/**
 * `npm run demo`: the seed's hello world, then the retrieval-augmented answer pipeline of
 * examples/16-rag-pipeline (parallel search, a join, a retry, a map, a streamed answer) as a
 * timeline.
 */
import { EventType, Pipe } from "justpipe";
import { SqliteStore } from "justpipe/sqlite";
import { runRag } from "./16-rag-pipeline/timeline.js";

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

// Both runs are stored in the default store (./.justpipe/runs.db, or JUSTPIPE_STORE), so the
// command line and the dashboard have something to show.
const store = new SqliteStore();

write("── hello world ──\n");
for await (const event of hello.run({ message: "" }, { store })) {
  if (event.type === EventType.TOKEN) write(`${event.payload}\n`);
}

// 2. A RAG pipeline: parse, embed, three searches in parallel, fuse at a join, rerank with a map,
//    stream the answer. See examples/16-rag-pipeline.
const question = "How do parallel branches join?";
write(`\n── retrieval-augmented answer: "${question}" ──\n`);
await runRag(question, { write, times: true, tokenDelayMs: 12, store });
write(
  `\n${await store.countRuns()} runs stored in ${store.location} (see them with: npx justpipe runs list)\n`,
);
await store.close();
