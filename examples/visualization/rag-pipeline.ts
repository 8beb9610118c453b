/**
 * The retrieval-augmented generation (RAG) pipeline of the README diagram: parse and embed the
 * query, search three sources in parallel, rank, build a context, stream the answer. Two utility
 * steps are registered without edges (they start with every run, hence `allowMultiRoot`).
 *
 * Render it with `npm run graph -- examples/visualization/rag-pipeline.ts`.
 */
import { Pipe } from "justpipe";

/** What the steps share. */
export interface RagState {
  query: string;
  embedding: number[];
  documents: string[];
  context: string;
  answer: string;
}

/** The RAG pipeline (nothing here calls a real model: the steps only show the shape). */
export const pipe = new Pipe<RagState>({ name: "rag-pipeline", allowMultiRoot: true });

pipe.step(
  "parseQuery",
  ({ state }) => {
    state.query = state.query.trim();
  },
  { to: "embedQuery" },
);
pipe.step(
  "embedQuery",
  ({ state }) => {
    state.embedding = [...state.query].map((c) => c.charCodeAt(0) / 255);
  },
  { to: ["searchKnowledgeGraph", "searchVectors", "searchWeb"] },
);
pipe.step(
  "searchKnowledgeGraph",
  ({ state }) => {
    state.documents.push(`graph: ${state.query}`);
  },
  { to: "rankResults" },
);
pipe.step(
  "searchVectors",
  async function* ({ state }) {
    yield "vectors: searching";
    state.documents.push(`vectors: ${state.query}`);
  },
  { to: "rankResults" },
);
pipe.step(
  "searchWeb",
  async function* ({ state }) {
    yield "web: searching";
    state.documents.push(`web: ${state.query}`);
  },
  { to: "rankResults" },
);
pipe.step(
  "rankResults",
  ({ state }) => {
    state.documents.sort();
  },
  { to: "buildContext" },
);
pipe.step(
  "buildContext",
  ({ state }) => {
    state.context = state.documents.join("\n");
  },
  { to: "generateResponse" },
);
pipe.step(
  "generateResponse",
  async function* ({ state }) {
    for (const word of ["Here", "is", "what", "I", "found."]) {
      state.answer += `${word} `;
      yield word;
    }
  },
  { to: "formatOutput" },
);
pipe.step("formatOutput", async function* ({ state }) {
  state.answer = state.answer.trim();
  yield state.answer;
});
pipe.step("analyticsLogger", async function* ({ state }) {
  yield `query: ${state.query}`;
});
pipe.step("cacheManager", () => {});

export default pipe;
