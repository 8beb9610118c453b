// The reading commands, run as the built `justpipe` against a store filled by real runs
// (`justpipe run` of test/cli/fixtures/pipes.mjs), in text (snapshots, fixed "now") and --json.
import { join } from "node:path";
import { beforeAll, describe, it } from "vitest";
import { fillStore, justpipe, normalize, RUNS, temporaryDirectory } from "./support.js";

let store: string;
const read = (args: readonly string[], env: Record<string, string | undefined> = {}) =>
  justpipe(["--store", store, ...args], env);
/** Text output without the store's temporary path. */
const text = (output: string) => normalize(output, { [store]: "<store>" });

beforeAll(async () => {
  store = join(temporaryDirectory(), "runs.db");
  await fillStore(store);
}, 60_000);

describe.concurrent("runs list", () => {
  it("lists runs newest first with id prefix, pipe, status, relative start, duration and failed step", async ({
    expect,
  }) => {
    const result = await read(["runs", "list"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatchSnapshot();
  });

  it("filters by pipe, status, age and count", async ({ expect }) => {
    expect((await read(["runs", "list", "--pipe", "approval"])).stdout).toContain(RUNS.suspended.slice(0, 8));
    const failed = await read(["runs", "list", "--status", "failed,suspended", "--json"]);
    expect(JSON.parse(failed.stdout).map((run: { runId: string }) => run.runId)).toEqual([
      RUNS.suspended,
      RUNS.failed,
    ]);
    const recent = JSON.parse((await read(["runs", "list", "--since", "45m", "--json"])).stdout);
    expect(recent.map((run: { runId: string }) => run.runId)).toEqual([RUNS.slower]);
    const since = JSON.parse(
      (await read(["runs", "list", "--since", "2026-12-07T09:04:00Z", "--json"])).stdout,
    );
    expect(since).toHaveLength(3);
    expect(JSON.parse((await read(["runs", "list", "--limit", "1", "--json"])).stdout)).toHaveLength(1);
    // Five processes in a row, next to the other tests' processes: room for a loaded machine.
  }, 60_000);

  it("gives exact times in --json", async ({ expect }) => {
    const [newest] = JSON.parse((await read(["runs", "list", "--json"])).stdout);
    expect(newest).toMatchObject({
      runId: RUNS.slower,
      pipeName: "ingest",
      status: "success",
      startedAt: Date.parse("2026-12-07T09:20:00.000Z"),
      startedAtIso: "2026-12-07T09:20:00.000Z",
    });
  });

  it("rejects bad filter values as usage errors (exit 2)", async ({ expect }) => {
    const status = await read(["runs", "list", "--status", "done"]);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("--status must be one of running, success, failed");
    expect((await read(["runs", "list", "--since", "yesterday"])).code).toBe(2);
    expect((await read(["runs", "list", "--limit", "0"])).code).toBe(2);
  });
});

describe.concurrent("runs show", () => {
  it("shows a failed run: failure kind and source, error with stack, and the step table", async ({
    expect,
  }) => {
    const result = await read(["runs", "show", RUNS.failed.slice(0, 8)]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/error {5}model unavailable \(503\)\n {10}at .*pipes\.mjs:\d+/);
    // Stack frames differ between machines: the snapshot keeps everything else.
    expect(text(result.stdout.replace(/^ {10}at .*\n/gm, ""))).toMatchSnapshot();
  });

  it("shows a suspended run's reason and step, and map workers' p50/max", async ({ expect }) => {
    expect(text((await read(["runs", "show", RUNS.suspended])).stdout)).toMatchSnapshot();
    const ok = await read(["runs", "show", RUNS.ok, "--json"]);
    const shown = JSON.parse(ok.stdout);
    expect(shown.run.runId).toBe(RUNS.ok);
    expect(shown.steps.find((step: { step: string }) => step.step === "embedChunk")).toMatchObject({
      kind: "map worker",
      invocations: 3,
      attempts: 3,
      status: "success",
      totalMs: 140,
      p50Ms: 50,
      maxMs: 50,
    });
    expect(shown.steps.find((step: { step: string }) => step.step === "answer")).toMatchObject({
      attempts: 1,
    });
  });

  it("counts retries as attempts of one invocation", async ({ expect }) => {
    const shown = JSON.parse((await read(["runs", "show", RUNS.slower, "--json"])).stdout);
    expect(shown.steps.find((step: { step: string }) => step.step === "answer")).toMatchObject({
      invocations: 1,
      attempts: 2,
      retried: 1,
      status: "success",
    });
  });

  it("lists the closest ids for an unknown id and the matches of an ambiguous prefix (exit 1)", async ({
    expect,
  }) => {
    const unknown = await read(["runs", "show", "k7p3zz"]);
    expect(unknown.code).toBe(1);
    expect(text(unknown.stderr)).toMatchSnapshot();
    const ambiguous = await read(["runs", "show", "k7p2"]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatchSnapshot();
  });
});

describe.concurrent("runs events", () => {
  it("prints a run's events, filtered by type and step", async ({ expect }) => {
    expect((await read(["runs", "events", RUNS.failed])).stdout).toMatchSnapshot();
    const errors = await read(["runs", "events", RUNS.failed, "--type", "step_error"]);
    expect(errors.stdout.trim().split("\n")).toHaveLength(2);
    const answer = JSON.parse((await read(["runs", "events", RUNS.ok, "--step", "answer", "--json"])).stdout);
    expect(answer[0].type).toBe("step_start");
    expect(answer.at(-1).type).toBe("step_end");
    expect(answer.every((event: { stage: string }) => event.stage === "answer")).toBe(true);
    expect((await read(["runs", "events", RUNS.ok, "--type", "nope"])).code).toBe(2);
  });
});

describe.concurrent("runs timeline", () => {
  it("draws a Gantt chart of the steps that fits the given width", async ({ expect }) => {
    const result = await read(["runs", "timeline", RUNS.slower, "--width", "80"]);
    expect(result.code).toBe(0);
    for (const line of result.stdout.trimEnd().split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(result.stdout).toMatchSnapshot();
    const json = JSON.parse((await read(["runs", "timeline", RUNS.failed, "--json"])).stdout);
    expect(json.run.runId).toBe(RUNS.failed);
    expect(json.timeline).toMatchObject({ status: "failed", failedStep: "answer" });
  });
});

describe.concurrent("runs compare", () => {
  it("puts each step's status and duration side by side with the change, and gives a verdict", async ({
    expect,
  }) => {
    const result = await read(["runs", "compare", RUNS.ok, RUNS.failed]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
    const json = JSON.parse((await read(["runs", "compare", RUNS.ok, RUNS.slower, "--json"])).stdout);
    expect(json.comparison.verdict).toBe("slower");
    expect(json.comparison.steps.find((step: { step: string }) => step.step === "answer")).toMatchObject({
      change: "slower",
    });
  });
});

describe.concurrent("runs stats", () => {
  it("summarises per pipe and per step, with the most common failures", async ({ expect }) => {
    const result = await read(["runs", "stats"]);
    expect(result.stdout).toMatchSnapshot();
    const stats = JSON.parse((await read(["runs", "stats", "--json"])).stdout);
    const ingest = stats.pipes.find((pipe: { pipe: string }) => pipe.pipe === "ingest");
    expect(ingest).toMatchObject({ runs: 3, statuses: { success: 2, failed: 1 } });
    expect(ingest.successRate).toBeCloseTo(2 / 3);
    expect(ingest.topFailures).toEqual([{ step: "answer", error: "model unavailable (503)", count: 1 }]);
  });
});

describe.concurrent("runs export", () => {
  it("writes the run and its events as one JSON document or as JSON lines", async ({ expect }) => {
    const document = JSON.parse((await read(["runs", "export", RUNS.ok])).stdout);
    expect(document.run.runId).toBe(RUNS.ok);
    expect(document.events.at(-1)).toMatchObject({ type: "finish", stage: "system" });
    const lines = (await read(["runs", "export", RUNS.ok, "--format", "jsonl"])).stdout.trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: "run", run: { runId: RUNS.ok } });
    expect(lines.slice(1).map((line) => JSON.parse(line).event.seq)).toEqual(
      document.events.map((event: { seq: number }) => event.seq),
    );
    expect((await read(["runs", "export", RUNS.ok, "--format", "xml"])).code).toBe(2);
  });
});

describe.concurrent("pipelines", () => {
  it("lists the pipelines with hash, runs and last run, and draws one as Mermaid", async ({ expect }) => {
    expect((await read(["pipelines"])).stdout).toMatchSnapshot();
    const listed = JSON.parse((await read(["pipelines", "--json"])).stdout);
    expect(listed.find((pipe: { name: string }) => pipe.name === "ingest")).toMatchObject({ runCount: 3 });
    const graph = await read(["pipelines", "ingest"]);
    expect(graph.stdout).toMatchSnapshot();
    expect(JSON.parse((await read(["pipelines", "ingest", "--json"])).stdout).mermaid).toBe(
      graph.stdout.trimEnd(),
    );
    const missing = await read(["pipelines", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no pipeline "nope"');
  });
});

describe.concurrent("output", () => {
  it("is plain when piped, coloured with FORCE_COLOR, and NO_COLOR wins", async ({ expect }) => {
    const plain = await read(["runs", "list"]);
    expect(plain.stdout).not.toContain("\u001b[");
    const forced = await read(["runs", "list"], { FORCE_COLOR: "1" });
    expect(forced.stdout).toContain("\u001b[32msuccess");
    const none = await read(["runs", "list"], { FORCE_COLOR: "1", NO_COLOR: "1" });
    expect(none.stdout).toBe(plain.stdout);
  });
});
