import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/index.js";
import { SqliteStore } from "../../src/sqlite/index.js";
import { makeEvent, makeRun } from "./fixtures.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-sqlite-bad-"));
chmodSync(directory, 0o755);
afterAll(() => {
  chmodSync(directory, 0o755);
  rmSync(directory, { recursive: true, force: true });
});

async function openError(store: SqliteStore): Promise<StoreError> {
  const error = await store.init().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  await store.close();
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

// Opens the store as an unprivileged user when the tests run as root (root ignores permissions).
function openAsOtherUser(path: string): { ok: boolean; name?: string; message?: string; location?: string } {
  const nobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const child = spawnSync(process.execPath, ["--import", "tsx", "test/store/support/open-sqlite.ts", path], {
    encoding: "utf8",
    env: { ...process.env, TSX_TSCONFIG_PATH: "tsconfig.json", HOME: tmpdir() },
    ...nobody,
  });
  const line = child.stdout.trim().split("\n").at(-1);
  if (!line) throw new Error(`the child printed nothing: ${child.stderr}`);
  return JSON.parse(line) as { ok: boolean; name?: string; message?: string; location?: string };
}

describe("opening a bad SQLite store", () => {
  it("creates the directory of a new file", async () => {
    const path = join(directory, "new", "deeper", "runs.db");
    const store = new SqliteStore({ path });
    await store.init();
    await store.close();
    expect(statSync(path).isFile()).toBe(true);
  });

  it("a read-only directory is a StoreError naming the path and what to do", () => {
    const readOnly = join(directory, "read-only");
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    const outcome = openAsOtherUser(join(readOnly, "runs.db"));
    expect(outcome).toMatchObject({ ok: false, name: "StoreError", location: join(readOnly, "runs.db") });
    expect(outcome.message).toContain(join(readOnly, "runs.db"));
    expect(outcome.message).toMatch(/writable|read-only/);
    expect(outcome.message).toMatch(/JUSTPIPE_STORE|path/);
  });

  it("a file that is not a database is a StoreError saying to move it aside", async () => {
    const path = join(directory, "garbage.db");
    writeFileSync(
      path,
      "this is not a database, it is a text file that is long enough to have a header".repeat(20),
    );
    const error = await openError(new SqliteStore({ path }));
    expect(error.location).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/not a SQLite database or is damaged.*Move it aside/);
  });

  it("a truncated database is a StoreError, not a crash or an empty store", async () => {
    const path = join(directory, "truncated.db");
    const store = new SqliteStore({ path });
    await store.createRun(makeRun({ runId: "r" }));
    await store.write({
      events: Array.from({ length: 300 }, (_, index) =>
        makeEvent("r", index + 1, { payload: "x".repeat(200) }),
      ),
    });
    await store.close();
    truncateSync(path, 4096 + 100);
    const reopened = new SqliteStore({ path });
    const error = await reopened
      .init()
      .then(() => reopened.getEvents("r"))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    await reopened.close();
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toContain(path);
    expect((error as StoreError).message).toMatch(/damaged|not a SQLite database/);
  });

  it("a file that needs its schema but is locked by another connection is a StoreError after busyTimeout", async () => {
    // (An up-to-date file opens without writing, even locked: see sqlite-failures.test.ts.)
    const path = join(directory, "locked.db");
    const holder = new Database(path);
    holder.pragma("journal_mode = WAL");
    holder.exec("CREATE TABLE unrelated (x INTEGER)");
    holder.exec("BEGIN EXCLUSIVE");
    holder.prepare("INSERT INTO unrelated VALUES (1)").run();
    try {
      const error = await openError(new SqliteStore({ path, busyTimeout: 50 }));
      expect(error.message).toContain(path);
      expect(error.message).toMatch(/another process holds its lock.*busyTimeout/);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  it("uses JUSTPIPE_STORE when no path is given, and refuses a Postgres URL there", () => {
    const previous = process.env.JUSTPIPE_STORE;
    try {
      process.env.JUSTPIPE_STORE = join(directory, "from-env.db");
      expect(new SqliteStore().location).toBe(join(directory, "from-env.db"));
      process.env.JUSTPIPE_STORE = "postgres://localhost/x";
      expect(() => new SqliteStore()).toThrow(/PostgresStore/);
      delete process.env.JUSTPIPE_STORE;
      expect(new SqliteStore().location).toBe(join(process.cwd(), ".justpipe", "runs.db"));
    } finally {
      if (previous === undefined) delete process.env.JUSTPIPE_STORE;
      else process.env.JUSTPIPE_STORE = previous;
    }
  });
});
