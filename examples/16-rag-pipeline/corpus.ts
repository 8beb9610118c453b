/**
 * A tiny knowledge base and toy text functions (tokenizer, embedding, similarity), small and
 * deterministic so the example runs offline. Swap in a real embedding model and vector store.
 */

/** One document of the knowledge base. */
export interface Doc {
  id: string;
  title: string;
  text: string;
}

export const CORPUS: readonly Doc[] = [
  {
    id: "barriers",
    title: "Barriers",
    text: "A join step waits at an implicit barrier until every parallel branch has finished.",
  },
  {
    id: "fan-out",
    title: "Fan-out",
    text: "A to array starts several branches in parallel; they share the state and write separate fields.",
  },
  {
    id: "map",
    title: "Map",
    text: "pipe.map runs one worker per item under a maxConcurrency limit and pulls items lazily.",
  },
  {
    id: "streaming",
    title: "Streaming",
    text: "An async generator step streams tokens; each yield becomes a TOKEN event.",
  },
  {
    id: "suspend",
    title: "Suspend",
    text: "A step returns Suspend to pause the run for a human; resume with the start option.",
  },
  {
    id: "retries",
    title: "Retries",
    text: "Retries re-run a failed step with exponential backoff; a timeout aborts its signal.",
  },
  {
    id: "cancel",
    title: "Cancellation",
    text: "An AbortSignal cancels a run; every step signal aborts and shutdown hooks still run.",
  },
  {
    id: "observers",
    title: "Observers",
    text: "Observers watch every event of a run and receive the metrics when it finishes.",
  },
];

const STOPWORDS = new Set(
  "a about an and the to of in on at is are do does how what when why it its they them their with for by as be has have until every each one per under".split(
    " ",
  ),
);

/** Lower-cased word stems without stopwords: "Branches join?" -> ["branch", "join"]. */
export function keywords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((word) => word.length > 1 && !STOPWORDS.has(word))
    .map((word) => word.replace(/(es|s|ed|ing)$/, ""));
}

const DIMENSIONS = 256;

/** A toy embedding: hashed bag of word stems, L2-normalised. */
export function embed(words: readonly string[]): number[] {
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const word of words) {
    let hash = 2166136261;
    for (const char of word) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
    vector[(hash >>> 0) % DIMENSIONS]! += 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

/** Cosine similarity of two normalised vectors. */
export const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, x, i) => sum + x * b[i]!, 0);
