// A crash test with real processes: a child runs a pipeline with a fan-out and join, a map of 200
// items (concurrency 8) and a sub-pipeline (two steps) with durability "step"; it is killed with
// SIGKILL after a number of events (property-based), or inside the sub-pipeline after its first
// step ended; a new process resumes the run. Checked: FINISH success and the stored records'
// final statuses, the final state exact, every step invocation whose end was stored before the
// kill (sub-pipeline steps included) ran once in all, and nothing ran again that was not in
// flight when the last checkpoint was written (or started after it).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Checkpoint, Frontier, Store } from "../../src/index.js";
import { PostgresStore } from "../../src/postgres/index.js";
import { SqliteStore } from "../../src/sqlite/index.js";
import { DATABASE_URL, dropSchema, postgresAvailable } from "../support/services.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-crash-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const SCRIPT = "test/durable/support/crash-process.ts";
let rounds = 0;

/** When to kill: after this many events, or `delayMs` after the first event line containing `after`. */
type KillPoint = number | { readonly after: string; readonly delayMs: number };

/** The name a step start has in the effects log (`work[3]`, `sum.total`, `join`). */
function nameOf(type: string, stage: string, scope: string): string | undefined {
  if (type !== "step_start") return undefined;
  if (stage === "work") return scope;
  if (stage.startsWith("summarize:")) return `sum.${stage.slice("summarize:".length)}`;
  return stage === "summarize" || stage === "items" ? undefined : stage;
}

/** Runs the pipeline in a child and SIGKILLs it at `kill`; resolves the run id and what it started. */
function runAndKill(
  location: string,
  effects: string,
  kill: KillPoint,
): Promise<{ runId: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SCRIPT, "run", location], {
      env: { ...process.env, EFFECTS_FILE: effects, PHASE: "1" },
    });
    let runId = "";
    let events = 0;
    let buffer = "";
    let armed = false;
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith("run ")) runId = line.slice(4);
        if (!line.startsWith("event ")) continue;
        events++;
        if (typeof kill === "number" ? events >= kill : !armed && line.includes(kill.after)) {
          armed = true;
          if (typeof kill === "number") child.kill("SIGKILL");
          else setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
        }
      }
    });
    child.on("error", reject);
    child.on("close", (_code, signal) => resolve({ runId, killed: signal === "SIGKILL" }));
  });
}

const resumeIn = (location: string, effects: string, runId: string) =>
  JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", SCRIPT, "resume", location, runId], {
      encoding: "utf8",
      env: { ...process.env, EFFECTS_FILE: effects, PHASE: "2" },
    })
      .trim()
      .split("\n")
      .at(-1)!,
  ) as { status: string; runId: string; state: Record<string, unknown>; errors: unknown[] };

/** The effects log: how often each `<name> <key>` ran in each phase. */
function effectsOf(file: string): { phase: string; name: string; key: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => {
      const [phase, name, key] = line.split(" ");
      return { phase: phase!, name: name!, key: key! };
    });
}

/** What a checkpoint says was in flight: step names, map items and sub-pipeline steps, nested. */
function inFlightNames(frontier: Frontier, prefix = ""): Set<string> {
  const names = new Set<string>();
  for (const invocation of [...frontier.inFlight, ...(frontier.retrying ?? [])])
    names.add(`${prefix}${invocation.step}`);
  for (const map of frontier.maps) for (const item of map.inFlight) names.add(`${map.target}[${item.index}]`);
  for (const sub of Object.values(frontier.subs ?? {}))
    for (const name of inFlightNames(sub.frontier, `${sub.pipeName}.`)) names.add(name);
  return names;
}

const expectedState = {
  left: true,
  right: true,
  joined: true,
  results: Object.fromEntries(Array.from({ length: 200 }, (_, index) => [String(index), index * 2])),
  summary: undefined,
  done: true,
};

async function crashAndResume(location: string, store: Store, kill: KillPoint): Promise<void> {
  const effects = join(directory, `effects-${rounds++}`);
  const { runId, killed } = await runAndKill(location, effects, kill);
  expect(runId).not.toBe("");
  const stored = await store.getRun(runId);
  const endsBeforeKill = (await store.getEvents(runId, { types: ["step_end"] })).filter(
    (event) => event.nodeKind === "step",
  );
  // A kill inside the sub-pipeline always lands mid-run (its second step takes 300 ms).
  if (typeof kill !== "number") expect([killed, stored?.status]).toEqual([true, "running"]);
  if (!killed || stored?.status !== "running") {
    // The run finished before the kill landed: nothing to resume.
    expect(stored?.status).toBe("success");
    return;
  }
  const checkpoint = (await store.loadCheckpoint(runId)) as Checkpoint;
  // The killed process's lease must expire before another process may take the run over.
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, (stored.leaseUntil ?? 0) - Date.now() + 50)),
  );
  const result = resumeIn(location, effects, runId);
  expect(result.status).toBe("success");
  const { summary: _summary, ...state } = result.state as Record<string, unknown>;
  const { summary: _expected, ...expected } = expectedState;
  expect(state).toEqual(expected);
  // The stored records: the crashed segment ended (failed, infra), its resume succeeded.
  expect(await store.getRun(runId)).toMatchObject({
    status: "failed",
    failureKind: "infra",
    owner: null,
    error: expect.stringContaining(result.runId),
  });
  expect(await store.getRun(result.runId)).toMatchObject({
    status: "success",
    resumedFrom: runId,
    threadId: runId,
    owner: null,
  });

  const lines = effectsOf(effects);
  // Every invocation whose STEP_END was stored before the kill ran exactly once in all (the
  // sub-pipeline's steps included: their keys are the thread's too).
  for (const event of endsBeforeKill) {
    const key = `${stored.threadId}:${event.invocationId}`;
    expect(lines.filter((line) => line.key === key).length, `${event.stage} ${key}`).toBe(1);
  }
  // Every map item ran; one whose end was stored before the kill ran once in all.
  const storedItems = new Set(
    endsBeforeKill.filter((event) => event.stage === "work").map((event) => event.scope.at(-1)),
  );
  for (let index = 0; index < 200; index++) {
    const runs = lines.filter((line) => line.name === `work[${index}]`).length;
    expect(runs, `work[${index}]`).toBeGreaterThanOrEqual(1);
    if (storedItems.has(`work[${index}]`)) expect(runs, `work[${index}] ended before the kill`).toBe(1);
  }
  // Re-runs no more than were in flight: nothing that started before the last checkpoint (its start
  // is stored at or below the checkpoint's seq) and was not in flight in it ran again.
  const inFlight = inFlightNames(checkpoint.frontier);
  const coveredStarts = (await store.getEvents(runId, { types: ["step_start"] }))
    .filter((event) => event.seq <= checkpoint.seq)
    .map((event) => nameOf(event.type, event.stage, event.scope.at(-1) ?? "-"))
    .filter((name): name is string => name !== undefined && !inFlight.has(name));
  const first = new Set(lines.filter((line) => line.phase === "1").map((line) => line.name));
  const again = new Set(
    lines.filter((line) => line.phase === "2" && first.has(line.name)).map((line) => line.name),
  );
  for (const name of coveredStarts) expect(again.has(name), `${name} ran again`).toBe(false);
}

const property = (location: (round: number) => string, open: (location: string) => Store) =>
  fc.asyncProperty(fc.integer({ min: 5, max: 700 }), async (killAt) => {
    const where = location(rounds);
    const store = open(where);
    try {
      await crashAndResume(where, store, killAt);
    } finally {
      await store.close();
    }
  });

/** Killed inside the sub-pipeline, once its first step's end was written (a batch is 50 ms late). */
const INSIDE_SUB: KillPoint = { after: "step_start summarize:total", delayMs: 150 };

describe("crash and resume across processes (SQLite)", () => {
  const path = (round: number) => join(directory, `crash-${round}.db`);
  const open = (where: string) => new SqliteStore({ path: where });

  it("SIGKILL at several event counts, then a new process resumes: success, exact state, no stored step re-run", async () => {
    await fc.assert(property(path, open), {
      numRuns: 4,
      seed: Number(process.env.CRASH_SEED ?? 14),
      examples: [[12], [300]],
    });
  }, 240_000);

  it("SIGKILL inside the sub-pipeline after its first step ended: that step does not run again", async () => {
    const where = path(rounds);
    const store = open(where);
    try {
      await crashAndResume(where, store, INSIDE_SUB);
    } finally {
      await store.close();
    }
  }, 60_000);
});

const postgres = await postgresAvailable();
describe.skipIf(!postgres.ok)(`crash and resume across processes (Postgres)${postgres.reason}`, () => {
  const SCHEMA = "jp_test_crash";
  const location = `${DATABASE_URL}#${SCHEMA}`;
  const open = () => new PostgresStore({ connectionString: DATABASE_URL, schema: SCHEMA });
  afterAll(() => dropSchema(SCHEMA));

  it("SIGKILL at several event counts (property-based), resume in a new process", async () => {
    await dropSchema(SCHEMA);
    await fc.assert(
      property(() => location, open),
      {
        numRuns: 3,
        seed: Number(process.env.CRASH_SEED ?? 14),
        examples: [[250]],
      },
    );
  }, 240_000);

  it("SIGKILL inside the sub-pipeline, resume in a new process", async () => {
    const store = open();
    try {
      await crashAndResume(location, store, INSIDE_SUB);
    } finally {
      await store.close();
    }
  }, 60_000);
});
