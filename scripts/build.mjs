// Builds dist/: one ESM bundle per entry point (with a shared chunk, so `justpipe` and
// `justpipe/testing` share one copy of every class), plus `.d.ts` files from tsc.
// Bundling matters for cold start: loading ~45 small modules costs far more than one file.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

// `--js-only` (the command-line tests' setup) rebuilds the JavaScript in place: it keeps the .d.ts
// files and anything else an earlier full build put in dist/.
const jsOnly = process.argv.includes("--js-only");
if (!jsOnly) rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: {
    index: "src/index.ts",
    "testing/index": "src/testing/index.ts",
    "inspect/index": "src/inspect/index.ts",
    "sqlite/index": "src/sqlite/index.ts",
    "postgres/index": "src/postgres/index.ts",
    "http/index": "src/http/index.ts",
    "bullmq/index": "src/bullmq/index.ts",
    "dashboard/index": "src/dashboard/index.ts",
    "observers/index": "src/observers/index.ts",
    "otel/index": "src/otel/index.ts",
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
// The `justpipe` command: one file with its parser (commander) and colours (picocolors) bundled in,
// so `npx justpipe` needs nothing installed beyond justpipe and the core entry stays dependency-free.
// The library itself is imported by name ("justpipe", "justpipe/sqlite", ...): the package
// resolves to itself, so a user's module and the command share one copy of every class.
const packageJson = JSON.parse(readFileSync("package.json", "utf8"));
// Each command's module is a chunk of its own (dist/cli/chunks/), imported when that command runs,
// so start-up evaluates only the parser and the grammar.
await build({
  entryPoints: { "cli/index": "src/cli/index.ts" },
  outdir: "dist",
  bundle: true,
  splitting: true,
  chunkNames: "cli/chunks/[name]-[hash]",
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  minifyWhitespace: true,
  minifySyntax: true,
  external: ["justpipe", "justpipe/*"],
  define: { JUSTPIPE_VERSION: JSON.stringify(packageJson.version) },
  banner: {
    js: [
      "// Bundles commander (MIT, (c) 2011 TJ Holowaychuk) and picocolors (ISC, (c) 2021 Alexey Raspopov, Kostiantyn Denysov).",
      // Both are CommonJS and require Node's built-ins, which an ES module bundle does through this.
      'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    ].join("\n"),
  },
  logLevel: "warning",
});
if (!jsOnly) {
  execFileSync(
    process.execPath,
    ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json", "--emitDeclarationOnly"],
    {
      stdio: "inherit",
    },
  );
  // The dashboard's web app, prebuilt so that `justpipe dashboard` needs no build tools.
  execFileSync(
    process.execPath,
    ["node_modules/vite/bin/vite.js", "build", "--config", "dashboard/vite.config.ts"],
    {
      stdio: "inherit",
    },
  );
}
