/**
 * A retrieval-augmented generation (RAG) pipeline that uses most of justpipe:
 *
 *   parseQuery -> embedQuery -> [searchVectors, searchKeywords, searchWeb] -> fuseResults
 *     -> checkResults (switch) -> rerank (map, 3 at a time) -> buildContext -> generateAnswer
 *
 * A startup hook builds the vector index; three searches run in parallel, each writing its own
 * slot; the join fuses them (reciprocal rank fusion) under a barrier timeout; the flaky web
 * search has a timeout and a retry; a switch answers "I don't know" when nothing matched; a map
 * reranks the candidates with per-item slots; the answer streams token by token.
 */
import { Pipe } from "justpipe";
import { CORPUS, cosine, type Doc, embed, keywords } from "./corpus.js";

/** A search hit: a document and its rank in one search. */
export interface Hit {
  doc: Doc;
  score: number;
}

export interface RagState {
  question: string;
  keywords: string[];
  embedding: number[];
  /** One slot per search branch: parallel branches never write the same field. */
  hits: { vectors: Hit[]; keywords: Hit[]; web: Hit[] };
  /** Fused candidates, best first. */
  candidates: Doc[];
  /** One slot per candidate, written by its rerank worker. */
  reranked: (Hit | undefined)[];
  context: Doc[];
  answer: string;
}

export interface RagContext {
  /** The vector index, built by the startup hook. */
  index: { doc: Doc; vector: number[] }[];
}

export const newRagState = (question: string): RagState => ({
  question,
  keywords: [],
  embedding: [],
  hits: { vectors: [], keywords: [], web: [] },
  candidates: [],
  reranked: [],
  context: [],
  answer: "",
});

export const newRagContext = (): RagContext => ({ index: [] });

/** Resolves after `ms`; rejects as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

const WEB_RESULT: Doc = {
  id: "web:fork-join",
  title: "Fork-join model (web)",
  text: "In the fork-join model, parallel branches fork and then join at a barrier.",
};

export interface RagOptions {
  /** Delay between answer tokens, to make the streaming visible. @default 1 */
  tokenDelayMs?: number;
}

/** Builds the pipeline. */
export function createRagPipeline({ tokenDelayMs = 1 }: RagOptions = {}): Pipe<RagState, RagContext> {
  const pipe = new Pipe<RagState, RagContext>({ name: "rag" });

  pipe.onStartup(({ ctx }) => {
    ctx.index = CORPUS.map((doc) => ({ doc, vector: embed(keywords(`${doc.title} ${doc.text}`)) }));
  });

  pipe.step(
    "parseQuery",
    ({ state }) => {
      state.question = state.question.trim();
      state.keywords = keywords(state.question);
    },
    { to: "embedQuery" },
  );

  pipe.step(
    "embedQuery",
    ({ state }) => {
      state.embedding = embed(state.keywords);
    },
    { to: ["searchVectors", "searchKeywords", "searchWeb"] },
  );

  pipe.step(
    "searchVectors",
    async ({ state, ctx, signal }) => {
      await sleep(20, signal); // stands in for a vector database round trip
      state.hits.vectors = ctx.index
        .map(({ doc, vector }) => ({ doc, score: cosine(state.embedding, vector) }))
        .filter((hit) => hit.score >= 0.2) // similar enough
        .sort((a, b) => b.score - a.score)
        .slice(0, 4);
    },
    { to: "fuseResults" },
  );

  pipe.step(
    "searchKeywords",
    // A local index: no I/O, so it ends before the vector search's round trip (and the printed
    // order of the two ends never depends on timers).
    async ({ state }) => {
      const wanted = new Set(state.keywords);
      state.hits.keywords = CORPUS.map((doc) => ({
        doc,
        score: keywords(`${doc.title} ${doc.text}`).filter((word) => wanted.has(word)).length,
      }))
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score)
        .slice(0, 4);
    },
    { to: "fuseResults" },
  );

  // The web is slow the first time: the 50 ms timeout aborts it, and one retry succeeds. Should
  // it fail for good, its error handler recovers: the branch adds no results and the join still runs.
  pipe.step(
    "searchWeb",
    async ({ state, signal, attempt }) => {
      await sleep(attempt === 1 ? 1_000 : 3, signal);
      if (state.keywords.includes("parallel") || state.keywords.includes("join")) {
        state.hits.web = [{ doc: WEB_RESULT, score: 1 }];
      }
    },
    { to: "fuseResults", timeout: 50, retries: 1, onError: () => {} },
  );

  // The join: runs once, after all three searches, and merges their slots.
  pipe.step(
    "fuseResults",
    ({ state }) => {
      const fused = new Map<string, { doc: Doc; score: number }>();
      for (const hits of [state.hits.vectors, state.hits.keywords, state.hits.web]) {
        hits.forEach((hit, rank) => {
          const entry = fused.get(hit.doc.id) ?? { doc: hit.doc, score: 0 };
          entry.score += 1 / (60 + rank); // reciprocal rank fusion
          fused.set(hit.doc.id, entry);
        });
      }
      state.candidates = [...fused.values()]
        .sort((a, b) => b.score - a.score || a.doc.id.localeCompare(b.doc.id))
        .slice(0, 5)
        .map((entry) => entry.doc);
    },
    { to: "checkResults", barrierTimeout: 2_000 },
  );

  pipe.switch("checkResults", ({ state }) => (state.candidates.length > 0 ? "found" : "nothing"), {
    to: { found: "rerank", nothing: "sayUnknown" },
  });

  // Rerank every candidate concurrently, three at a time; each worker fills its own slot.
  pipe.map("rerank", ({ state }) => state.candidates.keys(), {
    each: "scoreCandidate",
    maxConcurrency: 3,
    to: "buildContext",
  });

  pipe.step<number>("scoreCandidate", async ({ state, item, signal }) => {
    const doc = state.candidates[item]!;
    await sleep(1 + (item % 2), signal); // stands in for a cross-encoder call
    const words = new Set(keywords(`${doc.title} ${doc.text}`));
    const overlap = state.keywords.filter((word) => words.has(word)).length;
    state.reranked[item] = { doc, score: overlap + 1 / (item + 2) };
  });

  pipe.step(
    "buildContext",
    ({ state }) => {
      state.context = state.reranked
        .filter((hit): hit is Hit => hit !== undefined)
        .sort((a, b) => b.score - a.score)
        .slice(0, 3)
        .map((hit) => hit.doc);
    },
    { to: "generateAnswer" },
  );

  // Stands in for a model call (see example 15 for the real clients): it streams an answer
  // built from the context, citing its sources.
  pipe.step("generateAnswer", async function* ({ state, signal }) {
    const sentences = state.context.map((doc, i) => `${doc.text} [${i + 1}]`);
    const sources = state.context.map((doc, i) => `[${i + 1}] ${doc.title}`).join(", ");
    const text = `${sentences.join(" ")} Sources: ${sources}.`;
    for (const word of text.split(" ")) {
      await sleep(tokenDelayMs, signal);
      const token = `${word} `;
      state.answer += token;
      yield token;
    }
  });

  pipe.step("sayUnknown", async function* ({ state }) {
    state.answer = "I could not find anything about that in the knowledge base.";
    yield state.answer;
  });

  return pipe;
}
