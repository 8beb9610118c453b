import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// The core entry ("justpipe") bundled as scripts/build.mjs bundles it (whitespace and syntax
// minified, identifiers kept), in one file. Raise the budget only for a capability worth its bytes:
// every byte is parsed at import time, and cold start is part of what the benchmarks measure.
// 128.5 kB with the run store; 146.3 kB with the bounds on user code, the shared abort listeners
// and the fixes of issue 13; 155.1 kB with the executor seam of issue 19 (isolated executor, state
// view, deltas and their conflict ledger: 16.8 kB) on the run store alone; 164.1 kB with both;
// 186.4 kB with durable runs on top (recorder, persistence, resume: ~21 kB) (December 2026);
// 207.5 kB with, on top: sub-pipelines run inline and the linear nesting check of issue 13
// (~4.3 kB), resume of retries in backoff, sync map workers and sub-pipeline child runs (~6.6 kB),
// detached runs (pipe.start, pipe.observe, lineages derived for executors: ~6 kB), remote meta and
// state epochs. Code that serves durable runs only is in it: loading that lazily, on the first run
// with a store, is the next cut.
const BUDGET_BYTES = 210_000;

describe("the core entry", () => {
  it(`bundles to at most ${BUDGET_BYTES} bytes, with no runtime dependency`, async () => {
    const result = await build({
      entryPoints: [path.resolve(import.meta.dirname, "../../src/index.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      minifyWhitespace: true,
      minifySyntax: true,
      packages: "external",
      metafile: true,
      logLevel: "silent",
    });
    const bytes = result.outputFiles[0]!.contents.byteLength;
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
    // Only Node's built-ins may stay external: the core has no dependencies.
    const external = Object.values(result.metafile.outputs)
      .flatMap((output) => output.imports)
      .filter((imported) => imported.external && !imported.path.startsWith("node:"));
    expect(external).toEqual([]);
  });
});
