// A SQLite store that fails for real while pipes run: a read-only directory, a damaged file, a
// database locked by another connection, a full disk. With durability "exit" or "step" the run
// goes on and its FINISH says the store failed; with "sync" the run fails with failureKind infra.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { type Durability, Pipe, type PipeEvent, type PipelineEndData } from "../../src/index.js";
import { SqliteStore } from "../../src/sqlite/index.js";
import { makeEvent, makeRun } from "./fixtures.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-sqlite-fail-"));
chmodSync(directory, 0o755);
afterAll(() => {
  chmodSync(directory, 0o755);
  rmSync(directory, { recursive: true, force: true });
});

const inCi = process.env.CI === "true" || process.env.CI === "1";

function twoSteps(): Pipe<{ n: number; text?: string }> {
  const pipe = new Pipe<{ n: number; text?: string }>({ name: "two-steps" });
  pipe.step("b", ({ state }) => void state.n++);
  pipe.step("a", ({ state }) => void state.n++, { to: "b" });
  return pipe;
}

async function finishOf(events: AsyncIterable<PipeEvent>): Promise<PipelineEndData & { ran: string[] }> {
  const ran: string[] = [];
  let end: PipelineEndData | undefined;
  for await (const event of events) {
    if (event.type === "step_end") ran.push(event.stage);
    if (event.type === "finish") end = event.payload as PipelineEndData;
  }
  return { ...end!, ran };
}

// "exit" and "step": the steps all ran, FINISH is success with one persistence_error diagnostic.
function expectReported(end: PipelineEndData & { ran: string[] }, message: RegExp): void {
  expect(end.ran).toEqual(["a", "b"]);
  expect(end.status).toBe("success");
  expect(end.errors).toEqual([
    expect.objectContaining({
      kind: "infra",
      reason: "persistence_error",
      error: expect.stringMatching(message),
    }),
  ]);
}

// "sync": the run fails with failureKind infra, naming the store's failure.
function expectFailed(end: PipelineEndData, message: RegExp): void {
  expect(end).toMatchObject({ status: "failed", failureKind: "infra", reason: "persistence_error" });
  expect(end.errors.map((error) => error.error).join("\n")).toMatch(message);
}

describe("a read-only directory", () => {
  // Root ignores permissions: the run happens in a child process of an unprivileged user.
  const runAsOtherUser = (path: string, durability: Durability) => {
    const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "test/store/support/run-sqlite.ts", path, durability],
      {
        encoding: "utf8",
        env: { ...process.env, TSX_TSCONFIG_PATH: "tsconfig.json", HOME: tmpdir() },
        ...nobody,
      },
    );
    const line = child.stdout.trim().split("\n").at(-1);
    if (!line) throw new Error(`the child printed nothing: ${child.stderr}`);
    return JSON.parse(line) as PipelineEndData & { n: number };
  };
  const readOnly = join(directory, "read-only");
  mkdirSync(readOnly);
  chmodSync(readOnly, 0o555);
  const path = join(readOnly, "runs.db");

  for (const durability of ["exit", "step"] as const) {
    it(`durability "${durability}": the run goes on, FINISH names the path and says to make it writable`, () => {
      const end = runAsOtherUser(path, durability);
      expect(end).toMatchObject({ status: "success", n: 2 });
      expect(end.errors).toEqual([expect.objectContaining({ kind: "infra", reason: "persistence_error" })]);
      expect(end.errors[0]!.error).toContain(path);
      expect(end.errors[0]!.error).toMatch(/writable|read-only/);
    });
  }

  it('durability "sync": the run fails (infra) before any step runs', () => {
    const end = runAsOtherUser(path, "sync");
    expect(end).toMatchObject({ status: "failed", failureKind: "infra", n: 0 });
    expect(end.errors.map((error) => error.error).join("\n")).toContain(path);
  });
});

describe("a damaged file", () => {
  const damaged = async (name: string): Promise<string> => {
    const path = join(directory, name);
    const store = new SqliteStore({ path });
    await store.createRun(makeRun({ runId: "r" }));
    await store.write({
      events: Array.from({ length: 300 }, (_, index) =>
        makeEvent("r", index + 1, { payload: "x".repeat(200) }),
      ),
    });
    await store.close();
    truncateSync(path, 4096 + 100);
    return path;
  };

  it('a truncated file: durability "exit" runs on and FINISH says the file is damaged', async () => {
    const path = await damaged("truncated-exit.db");
    const store = new SqliteStore({ path });
    const end = await finishOf(twoSteps().run({ n: 0 }, { store }));
    await store.close();
    expectReported(end, /damaged|not a SQLite database/);
    expect(end.errors[0]!.error).toContain(path);
  });

  it('a file that is not a database: durability "sync" fails the run (infra)', async () => {
    const path = join(directory, "text.db");
    writeFileSync(path, "not a database, a text file long enough to have a header ".repeat(40));
    const store = new SqliteStore({ path });
    const end = await finishOf(twoSteps().run({ n: 0 }, { store, durability: "sync" }));
    await store.close();
    expectFailed(end, /not a SQLite database or is damaged.*Move it aside/);
    expect(end.ran).toEqual([]);
  });
});

describe("a database locked by another connection", () => {
  const locked = async (name: string): Promise<{ path: string; holder: Database.Database }> => {
    const path = join(directory, name);
    await new SqliteStore({ path }).init().then(() => undefined);
    const holder = new Database(path);
    holder.exec("BEGIN IMMEDIATE");
    holder.prepare("UPDATE schema_migrations SET applied_at = applied_at").run();
    return { path, holder };
  };

  it("opening an up-to-date store writes nothing: it opens and reads while another holds the write lock", async () => {
    const { path, holder } = await locked("read-while-locked.db");
    try {
      const store = new SqliteStore({ path, busyTimeout: 20 });
      await store.init();
      expect(await store.listRuns()).toEqual([]);
      await store.close();
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  for (const durability of ["exit", "step"] as const) {
    it(`durability "${durability}": the run goes on, FINISH says another process holds the lock`, async () => {
      const { path, holder } = await locked(`locked-${durability}.db`);
      const store = new SqliteStore({ path, busyTimeout: 20 });
      try {
        const end = await finishOf(twoSteps().run({ n: 0 }, { store, durability }));
        expectReported(end, /another process holds its lock.*busyTimeout/);
      } finally {
        holder.exec("ROLLBACK");
        holder.close();
      }
      // Nothing was silently dropped: what a later write can still store is stored.
      await store.close();
    });
  }

  it('durability "sync": the run fails (infra)', async () => {
    const { path, holder } = await locked("locked-sync.db");
    const store = new SqliteStore({ path, busyTimeout: 20 });
    try {
      expectFailed(await finishOf(twoSteps().run({ n: 0 }, { store, durability: "sync" })), /holds its lock/);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
      await store.close();
    }
  });
});

// A 256 KB tmpfs: the store's schema fits, a run with a 400 KB state does not.
const mountPoint = join(directory, "small-disk");
mkdirSync(mountPoint);
const mounted = (() => {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mountPoint], { stdio: "pipe" });
    return { ok: true, reason: "" };
  } catch (error) {
    const reason = ` (skipped: cannot mount a small tmpfs to fill, which needs root: ${String(error).split("\n")[0]})`;
    if (inCi) throw new Error(`CI=true and${reason.replace(" (skipped:", "")}`);
    return { ok: false, reason };
  }
})();
afterAll(() => {
  if (mounted.ok) execFileSync("umount", [mountPoint]);
});

describe.skipIf(!mounted.ok)(`a full disk${mounted.reason}`, () => {
  for (const durability of ["exit", "step", "sync"] as const) {
    it(`durability "${durability}": ${durability === "sync" ? "the run fails (infra)" : "the run goes on, FINISH says the disk is full"}`, async () => {
      const path = join(mountPoint, `${durability}.db`);
      const store = new SqliteStore({ path });
      await store.init();
      const end = await finishOf(twoSteps().run({ n: 0, text: "x".repeat(400_000) }, { store, durability }));
      await store.close();
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      if (durability === "sync") expectFailed(end, /disk is full/);
      else expectReported(end, /disk is full.*deleteRuns/);
    });
  }
});
