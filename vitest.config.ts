import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // Examples import "justpipe" as users do; in this repository that is the source (tsconfig `paths`
  // does the same for tsc and tsx).
  resolve: {
    alias: [
      { find: /^justpipe$/, replacement: source("index.ts") },
      { find: /^justpipe\/testing$/, replacement: source("testing/index.ts") },
      { find: /^justpipe\/inspect$/, replacement: source("inspect/index.ts") },
      { find: /^justpipe\/sqlite$/, replacement: source("sqlite/index.ts") },
      { find: /^justpipe\/postgres$/, replacement: source("postgres/index.ts") },
      { find: /^justpipe\/http$/, replacement: source("http/index.ts") },
      { find: /^justpipe\/bullmq$/, replacement: source("bullmq/index.ts") },
      { find: /^justpipe\/dashboard$/, replacement: source("dashboard/index.ts") },
      { find: /^justpipe\/observers$/, replacement: source("observers/index.ts") },
      { find: /^justpipe\/otel$/, replacement: source("otel/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    // The command-line tests run the built `justpipe` command: build it once if it is stale.
    globalSetup: ["test/cli/build-once.ts"],
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    testTimeout: 20_000,
    coverage: { provider: "v8", include: ["src/**/*.ts"], reporter: ["text-summary", "text"] },
  },
});
