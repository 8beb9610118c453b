// `npm run bench` at the repository root: installs bench/ on first use (its own lockfile, so the
// peers never enter the library's install), builds the library when dist/ is missing or older than
// src/, then runs bench/run.ts with the arguments after `--`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const rootDir = dirname(benchDir);
const args = process.argv.slice(2);

function run(command, commandArgs, cwd) {
  // Under `npm run`, npm_execpath is npm's own CLI: reuse it rather than whatever `npm` is on PATH.
  const npmCli = process.env.npm_execpath;
  const [file, fileArgs] =
    command === "npm" && npmCli?.endsWith(".js")
      ? [process.execPath, [npmCli, ...commandArgs]]
      : [command, commandArgs];
  const result = spawnSync(file, fileArgs, { cwd, stdio: "inherit" });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function mtime(path) {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

/** Newest modification time of the library's sources (tests excluded). */
function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, mtime(path));
  }
  return newest;
}

// 1. bench/ dependencies, from bench/package-lock.json.
const installed = join(benchDir, "node_modules", ".package-lock.json");
if (mtime(installed) < mtime(join(benchDir, "package-lock.json"))) {
  console.error("bench: installing bench/ dependencies (npm ci)...");
  if (run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], benchDir) !== 0) {
    console.error("bench: npm ci in bench/ failed");
    process.exit(1);
  }
}

// 2. The library itself, unless only other libraries were asked for.
const libArg = args.find((a, i) => a.startsWith("--lib=") || args[i - 1] === "--lib");
const wantsJustpipe = !libArg || /justpipe/i.test(libArg);
const srcDir = join(rootDir, "src");
const distEntry = join(rootDir, "dist", "index.js");
if (wantsJustpipe && existsSync(srcDir) && mtime(distEntry) < newestSource(srcDir)) {
  console.error("bench: building the library (npm run build)...");
  if (run("npm", ["run", "build", "--silent"], rootDir) !== 0) {
    console.error("bench: the library build failed; the justpipe column will show the error");
  }
}

// 3. The runner (TypeScript, through tsx; the measured children run on plain node).
const tsx = join(benchDir, "node_modules", "tsx", "dist", "cli.mjs");
process.exit(run(process.execPath, [tsx, join(benchDir, "run.ts"), ...args], benchDir));
