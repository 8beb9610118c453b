// Runs the built `justpipe` command as a child process, with a fixed "now" and no colours.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The built command. */
export const CLI = resolve("dist/cli/index.js");
/** The test pipelines (`pipes.mjs`: ingest, approval; `slow.mjs`). */
export const FIXTURES = resolve("test/cli/fixtures");
/** "Now" for every command: an hour after the fixtures' clock starts. */
export const NOW = "2026-12-07T10:00:00.000Z";

/** What a finished command printed and how it exited. */
export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for the child: fixed now, no colours unless asked, no store from the parent's environment. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JUSTPIPE_NOW: NOW, ...extra };
  for (const key of ["JUSTPIPE_STORE", "FORCE_COLOR", "NO_COLOR", "CI_COLOR"])
    if (!(key in extra)) delete env[key];
  for (const [key, value] of Object.entries(extra)) if (value === undefined) delete env[key];
  return env;
}

/** Starts `justpipe <args>` without waiting. */
export function start(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: childEnv(env),
    cwd: cwd ?? process.cwd(),
    stdio: "pipe",
  });
}

/** Waits for a started command. */
export function finished(child: ChildProcess, input?: string): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** Runs `justpipe <args>` to the end. */
export function justpipe(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  options: { cwd?: string; input?: string } = {},
): Promise<Result> {
  return finished(start(args, env, options.cwd), options.input);
}

/** A fresh temporary directory. */
export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), "justpipe-cli-"));
}

/** Replaces machine-specific paths so snapshots hold on any checkout. */
export function normalize(text: string, replacements: Record<string, string> = {}): string {
  let result = text;
  for (const [from, to] of Object.entries(replacements)) result = result.split(from).join(to);
  return result.split(process.cwd()).join("<repo>");
}

/** The stored runs the tests share: fixed ids, each started at a fixed simulated time. */
export const RUNS = {
  /** ingest, success, 09:00. */
  ok: "k7p2aaaa0000000000a1",
  /** ingest, failed at answer after a retry, 09:05. */
  failed: "k7p2aaab0000000000b2",
  /** approval, suspended at review, 09:09. */
  suspended: "m3x9cccc0000000000c3",
  /** ingest, success after one retry and a slower answer, 09:20. */
  slower: "r5t8dddd0000000000d4",
} as const;

/** Fills a store by running the fixture pipelines with `justpipe run` (real runs, stored by the command). */
export async function fillStore(store: string): Promise<void> {
  const pipes = join(FIXTURES, "pipes.mjs");
  const runs: [string, string, string, string][] = [
    [RUNS.ok, pipes, "{}", "0"],
    [RUNS.failed, pipes, '{"fail":"always"}', "5"],
    [RUNS.suspended, `${pipes}#approval`, "{}", "9"],
    [RUNS.slower, pipes, '{"fail":"once","slowAnswer":true}', "20"],
  ];
  for (const [runId, module, state, offset] of runs) {
    const result = await justpipe(
      ["--store", store, "run", module, "--state", state, "--run-id", runId, "--quiet"],
      {
        FIXTURE_OFFSET_MIN: offset,
      },
    );
    if (result.stderr.includes("justpipe:")) throw new Error(`filling the store failed: ${result.stderr}`);
  }
}
