import path from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// The core entry ("justpipe") bundled as scripts/build.mjs bundles it (whitespace and syntax
// minified, identifiers kept), in one file. Raise the budget only for a capability worth its bytes:
// every byte is parsed at import time, and cold start is part of what the benchmarks measure.
// 146.3 kB before durable runs; the recorder, persistence and resume in the runtime add ~21 kB.
const BUDGET_BYTES = 175_000;

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
