// vitest globalSetup for the command-line tests: they run the BUILT command (dist/cli/index.js)
// as a child process, so build the JavaScript once (esbuild only, ~1 s) when dist is missing or
// older than a source file. `npm run build` does the same plus the .d.ts files.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const built = "dist/cli/index.js";
  const stale =
    !existsSync(built) ||
    statSync(built).mtimeMs < Math.max(newestSource("src"), statSync("scripts/build.mjs").mtimeMs);
  if (stale) execFileSync(process.execPath, ["scripts/build.mjs", "--js-only"], { stdio: "inherit" });
}
