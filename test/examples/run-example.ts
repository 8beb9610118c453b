import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** What a finished example process printed. */
export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  args?: readonly string[];
  /** Written to the example's stdin, which is then closed. */
  input?: string;
  /** Replaces the environment (default: this process's, without OpenAI settings). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The environment examples run in: no API keys, so nothing reaches the network. */
export function offlineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "JUSTPIPE_DEBUG"]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

/** Runs `examples/<file>` as `npx tsx` would (node --import tsx), from the repository root. */
export function runExample(file: string, options: RunOptions = {}): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", `examples/${file}`, ...(options.args ?? [])], {
      env: options.env ?? offlineEnv(),
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 25_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** The text of the first fenced code block after the `## Output` heading of an example's README. */
export function readmeOutput(example: string): string {
  const readme = readFileSync(`examples/${example}/README.md`, "utf8");
  const match = /^## Output\n[\s\S]*?^```text\n([\s\S]*?)^```$/m.exec(readme);
  if (match === null)
    throw new Error(`examples/${example}/README.md has no "## Output" section with a text block`);
  return match[1]!;
}
