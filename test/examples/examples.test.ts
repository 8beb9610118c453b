/**
 * Runs every example as a user would (`node --import tsx examples/NN-name/index.ts`) and checks
 * what it printed against the "Output" block of its README, so the READMEs stay true, plus what
 * the output alone cannot show: the file it wrote, its stderr, other inputs, and the HTTP
 * traffic of the LLM example.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../examples/15-llm-streaming/fake-openai.js";
import { type ExampleRun, offlineEnv, type RunOptions, readmeOutput, runExample } from "./run-example.js";

const EXAMPLES = readdirSync("examples", { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
  .map((entry) => entry.name)
  .sort();

const outDir = mkdtempSync(path.join(tmpdir(), "justpipe-examples-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** How each example is run for its README output (the README's "Run" section says the same). */
const RUN: Record<string, RunOptions> = {
  "05-human-in-the-loop": { input: "4\nparis\ngreen\n" },
  "11-visualization": { args: [outDir] },
};

/** What each example's run must also have done, beyond printing its README's output. */
const ALSO: Record<string, (run: ExampleRun) => void> = {
  "11-visualization": () => {
    const mermaid = readFileSync(path.join(outDir, "pipeline.mmd"), "utf8");
    expect(mermaid.startsWith("graph TD\n")).toBe(true);
    for (const label of [
      "Load Draft",
      "Merge Notes",
      "Annotate Chunk",
      "Decide",
      "Approve ⚡",
      "Rewrite (polish)",
    ]) {
      expect(mermaid).toContain(label);
    }
  },
  "12-observability": (run) => {
    // The debug log: one line per event on stderr.
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(19);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \[search\] #1 start\s+system$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/step_error\s+searchWeb {2}web search timed out \(retrying\)$/),
    );
    expect(lines.at(-1)).toMatch(/#19 finish\s+system {2}success in [\d.]+ ms$/);
  },
};

/** Trailing spaces (streamed tokens end with one) are not kept in Markdown. */
const normalize = (text: string) =>
  text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .trimEnd();

it("has the twenty examples, numbered, each with an index.ts and a README.md", () => {
  expect(EXAMPLES).toHaveLength(20);
  EXAMPLES.forEach((name, i) => {
    expect(name.startsWith(String(i + 1).padStart(2, "0"))).toBe(true);
    expect(existsSync(`examples/${name}/index.ts`)).toBe(true);
    expect(existsSync(`examples/${name}/README.md`)).toBe(true);
  });
});

// Each test starts a TypeScript process; on a busy machine that takes seconds.
const SLOW = { timeout: 60_000 };

describe.concurrent("each example prints what its README shows", SLOW, () => {
  for (const example of EXAMPLES) {
    it(example, async () => {
      const run = await runExample(`${example}/index.ts`, RUN[example]);
      expect(run.code, run.stderr).toBe(0);
      expect(normalize(run.stdout)).toBe(normalize(readmeOutput(example)));
      ALSO[example]?.(run);
    });
  }
});

describe.concurrent("what the output alone does not show", SLOW, () => {
  it("05 leaves the quiz suspended when stdin ends before the last answer", async () => {
    const run = await runExample("05-human-in-the-loop/index.ts", { input: "4\n" });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Q1: What is 2 + 2? 4\n  ✓ correct\n");
    expect(run.stdout).toContain("(no more input: the quiz stays suspended at 'ask'; its state is saved)");
    expect(run.stdout).not.toContain("Score:");
  });

  it("15 streams from the server at OPENAI_BASE_URL with both clients, and a break aborts the request", async () => {
    const server = await startFakeOpenAI("Local tokens only, no network.", 5);
    try {
      const run = await runExample("15-llm-streaming/index.ts", {
        env: offlineEnv({
          OPENAI_API_KEY: "sk-test",
          OPENAI_BASE_URL: server.baseURL,
          OPENAI_MODEL: "gpt-test",
        }),
      });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toContain("OPENAI_API_KEY is not set");
      expect(run.stdout.match(/Local tokens only, no network\.\nstatus: success/g)).toHaveLength(2);
      expect(run.stdout).toContain("── leaving the loop after three tokens ──\n1, 2, 3, \nleft the loop\n");
      expect(run.stdout).toContain(
        "openai: status failed, failedStep openaiAnswer, failureSource external_dep",
      );
      expect(run.stdout).toContain(
        "ai-sdk: status failed, failedStep aiSdkAnswer, failureSource external_dep",
      );

      await Promise.all(server.requests.map((request) => request.closed));
      expect(server.requests.map((r) => [r.path, r.model, r.aborted])).toEqual([
        ["/v1/chat/completions", "gpt-test", false], // openai package
        ["/v1/responses", "gpt-test", false], // AI SDK: the Responses API
        ["/v1/chat/completions", "gpt-test", true], // "count to 1000": the consumer left after three tokens
        ["/v1/chat/completions", "broken-model", false],
        ["/v1/responses", "broken-model", false],
      ]);
      expect(server.requests[2]!.chunksSent).toBeLessThan(10_000);
    } finally {
      await server.close();
    }
  });

  it("16 answers 'not found' through the switch when nothing matches", async () => {
    const run = await runExample("16-rag-pipeline/index.ts", { args: ["What is quantum chromodynamics?"] });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("✓ fuseResults  0 candidates");
    expect(run.stdout).toContain(
      "▶ sayUnknown\n  I could not find anything about that in the knowledge base.\n",
    );
    expect(run.stdout).not.toContain("rerank");
  });
});
