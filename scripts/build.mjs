// Builds dist/: one ESM bundle per entry point (with a shared chunk, so `justpipe` and
// `justpipe/testing` share one copy of every class), plus `.d.ts` files from tsc.
// Bundling matters for cold start: loading ~45 small modules costs far more than one file.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    "inspect/index": "src/inspect/index.ts",
    "sqlite/index": "src/sqlite/index.ts",
    "postgres/index": "src/postgres/index.ts",
    "http/index": "src/http/index.ts",
  },
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // Less to parse at import time; identifiers stay, since error names come from class names.
  minifyWhitespace: true,
  minifySyntax: true,
  packages: "external",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
execFileSync(
  process.execPath,
  ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
  {
    stdio: "inherit",
  },
);
