/**
 * A retrieval-augmented answer pipeline that ties the features together: lifecycle hooks,
 * parallel search with a join, a timeout and a retry, a switch, a map with a concurrency limit,
 * per-slot state and a streamed answer. `npm run demo` shows it too.
 *
 *   npx tsx examples/16-rag-pipeline/index.ts ["your question"]
 */
import { runRag } from "./timeline.js";

await runRag(process.argv[2] ?? "How do parallel branches join?");
