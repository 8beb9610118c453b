// A crash test with real processes: a child runs a pipeline with a fan-out and join, a map of 200
// items (concurrency 8) and a sub-pipeline with durability "step"; it is killed with SIGKILL after
// a number of events; a new process resumes the run. Checked: FINISH success, the final state
// exact, every step invocation whose end was stored before the kill ran once in all.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/index.js";
import { PostgresStore } from "../../src/postgres/index.js";
import { SqliteStore } from "../../src/sqlite/index.js";
import { DATABASE_URL, dropSchema, postgresAvailable } from "../support/services.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-crash-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const SCRIPT = "test/durable/support/crash-process.ts";
const effectsFile = (location: string) => join(directory, `${location.replace(/[^\w.-]/g, "_")}.effects`);
const envFor = (location: string) => ({ ...process.env, EFFECTS_FILE: effectsFile(location) });

/** Runs the pipeline in a child and SIGKILLs it once it printed `killAt` events; resolves the run id. */
function runAndKill(location: string, killAt: number): Promise<{ runId: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, "run", location], {
      env: envFor(location),
    });
    let runId = "";
    let events = 0;
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("run ")) runId = line.slice(4);
        else if (line.startsWith("event ") && ++events >= killAt) child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ runId, killed: signal === "SIGKILL" }));
  });
}

const resumeIn = (location: string, runId: string) =>
  JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", SCRIPT, "resume", location, runId], {
      encoding: "utf8",
      env: envFor(location),
    })
      .trim()
      .split("\n")
      .at(-1)!,
  ) as { status: string; state: Record<string, unknown>; errors: unknown[] };

const effectsOf = (location: string): Map<string, number> => {
  const file = effectsFile(location);
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, "utf8").trim().split("\n"))
    counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
};

const expectedState = {
  left: true,
  right: true,
  joined: true,
  results: Object.fromEntries(Array.from({ length: 200 }, (_, index) => [String(index), index * 2])),
  summary: undefined,
  done: true,
};

async function crashAndResume(location: string, store: Store, killAt: number): Promise<void> {
  const { runId, killed } = await runAndKill(location, killAt);
  expect(runId).not.toBe("");
  const stored = await store.getRun(runId);
  const endsBeforeKill = (await store.getEvents(runId, { types: ["step_end"] })).filter(
    (event) => event.parentRunId === null && event.nodeKind !== "sub",
  );
  if (!killed || stored?.status !== "running") {
    // The run finished before the kill landed: nothing to resume.
    expect(stored?.status).toBe("success");
    return;
  }
  // The killed process's lease must expire before another process may take the run over.
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, (stored.leaseUntil ?? 0) - Date.now() + 50)),
  );
  const result = resumeIn(location, runId);
  expect(result.status).toBe("success");
  const { summary: _summary, ...state } = result.state as Record<string, unknown>;
  const { summary: _expected, ...expected } = expectedState;
  expect(state).toEqual(expected);
  // Every invocation whose STEP_END was stored before the kill ran exactly once in all.
  const effects = effectsOf(location);
  const lines = [...effects.entries()];
  for (const event of endsBeforeKill) {
    const key = `${stored!.threadId}:${event.invocationId}`;
    const runs = lines.filter(([line]) => line.endsWith(` ${key}`));
    expect(
      runs.map(([, count]) => count),
      `${event.stage} ${key}`,
    ).toEqual([1]);
  }
  // Every map item ran; an item whose worker's end was stored before the kill ran once (a resumed
  // map skips it), so only items in flight or not yet stored run again.
  const storedItems = new Set(
    endsBeforeKill.filter((event) => event.stage === "work").map((event) => event.scope.at(-1)),
  );
  for (let index = 0; index < 200; index++) {
    const runs = lines
      .filter(([line]) => line.startsWith(`work[${index}] `))
      .reduce((sum, [, count]) => sum + count, 0);
    expect(runs, `work[${index}]`).toBeGreaterThanOrEqual(1);
    if (storedItems.has(`work[${index}]`)) expect(runs, `work[${index}] ended before the kill`).toBe(1);
  }
}

describe("crash and resume across processes (SQLite)", () => {
  it("SIGKILL at several event counts, then a new process resumes: success, exact state, no stored step re-run", async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 700 }), async (killAt) => {
        const path = join(directory, `crash-${round++}.db`);
        const store = new SqliteStore({ path });
        try {
          await crashAndResume(path, store, killAt);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 4, seed: Number(process.env.CRASH_SEED ?? 14), examples: [[12], [300]] },
    );
  }, 180_000);
});

const postgres = await postgresAvailable();
describe.skipIf(!postgres.ok)(`crash and resume across processes (Postgres)${postgres.reason}`, () => {
  const SCHEMA = "jp_test_crash";
  afterAll(() => dropSchema(SCHEMA));
  it("SIGKILL mid-run, resume in a new process", async () => {
    await dropSchema(SCHEMA);
    const store = new PostgresStore({ connectionString: DATABASE_URL, schema: SCHEMA });
    try {
      await crashAndResume(`${DATABASE_URL}#${SCHEMA}`, store, 250);
    } finally {
      await store.close();
    }
  }, 60_000);
});
