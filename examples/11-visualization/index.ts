/**
 * Visualization: `pipe.graph()` returns a Mermaid flowchart of the pipeline as registered
 * (parallel groups, map workers, switch routes, sub-pipelines, streaming steps), `pipe.steps()`
 * lists the steps, and `pipe.describe()` is a JSON description. This example writes the diagram
 * to `pipeline.mmd` (paste it into a ```mermaid block: GitHub renders it; see README.md).
 *
 *   npx tsx examples/11-visualization/index.ts [output directory]
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { Pipe, Stop } from "justpipe";

interface Review {
  draft: string;
  chunks: string[];
  notes: string[];
  verdict?: string;
}

// A child pipeline, drawn as a nested cluster.
const polish = new Pipe<{ text: string }>({ name: "polish" });
polish.step("fixSpelling", () => {}, { to: "tightenProse" });
polish.step("tightenProse", () => {});

const pipe = new Pipe<Review>({ name: "review-assistant" });

pipe.step("loadDraft", () => {}, { to: ["checkFacts", "checkStyle"] }); // a parallel group
pipe.step("checkFacts", async () => {}, { to: "mergeNotes", retries: 2, timeout: 10_000 });
pipe.step("checkStyle", async () => {}, { to: "mergeNotes" });
pipe.step("mergeNotes", () => {}, { to: "splitChunks", barrierTimeout: 30_000 }); // the join
pipe.map("splitChunks", ({ state }) => state.chunks, {
  each: "annotateChunk",
  maxConcurrency: 4,
  to: "decide",
});
pipe.step<string>("annotateChunk", async () => {});
pipe.switch("decide", ({ state }) => (state.notes.length === 0 ? "clean" : "needsWork"), {
  to: { clean: "approve", needsWork: "rewrite", abandoned: Stop },
});
pipe.sub("rewrite", ({ state }) => ({ text: state.draft }), { pipeline: polish, to: "approve" });
pipe.step("approve", async function* () {
  yield "approved"; // a streaming step (drawn with ⚡)
});

const outDir = process.argv[2] ?? path.dirname(new URL(import.meta.url).pathname);
const mermaid = pipe.graph();
writeFileSync(path.join(outDir, "pipeline.mmd"), mermaid);
console.log(
  `wrote pipeline.mmd: a Mermaid flowchart ("${mermaid.split("\n")[0]}") of ${pipe.steps().length} steps`,
);

console.log("\nsteps:");
for (const step of pipe.steps()) {
  console.log(`  ${step.name.padEnd(14)} ${step.kind.padEnd(7)} → ${step.targets.join(", ") || "(end)"}`);
}

const description = pipe.describe();
console.log(
  `\ndescribe(): roots ${description.roots.join(", ")}, ${description.nodes.length} nodes, ${description.edges.length} edges`,
);
