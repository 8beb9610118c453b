import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { StoreError } from "../errors/store-errors.js";
import { ledgerStatement, migrations, SCHEMA_VERSION } from "../store/sql-schema.js";

/** A better-sqlite3 connection. */
export type SqliteDatabase = BetterSqlite3.Database;

/** Where the default store lives when neither `path` nor `JUSTPIPE_STORE` says otherwise. */
export const DEFAULT_SQLITE_PATH = "./.justpipe/runs.db";

const FIX_PATH =
  "Choose another file with new SqliteStore({ path }) or the JUSTPIPE_STORE environment variable.";

/**
 * The file a `SqliteStore` opens: `path`, else `JUSTPIPE_STORE`, else `./.justpipe/runs.db`,
 * resolved against the working directory (`:memory:` stays as it is).
 *
 * @param path - the `path` option.
 * @throws StoreError when `JUSTPIPE_STORE` is a Postgres URL.
 */
export function resolveSqlitePath(path: string | undefined): string {
  const chosen = path ?? process.env.JUSTPIPE_STORE ?? DEFAULT_SQLITE_PATH;
  if (/^postgres(ql)?:\/\//i.test(chosen)) {
    throw new StoreError(
      "JUSTPIPE_STORE",
      "JUSTPIPE_STORE is a Postgres URL: open it with new PostgresStore({ connectionString }) from justpipe/postgres, or give SqliteStore a path.",
    );
  }
  return chosen === ":memory:" ? chosen : resolve(chosen);
}

/**
 * A {@link StoreError} for a failed SQLite operation, saying what the driver's code means and what
 * to do about it.
 *
 * @param error - what better-sqlite3 threw.
 * @param location - the file.
 * @param action - what was being done (`"open"`, `"write to"`).
 */
export function sqliteStoreError(error: unknown, location: string, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = String((error as { code?: unknown }).code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  const head = `Cannot ${action} the SQLite store at ${location}`;
  let advice: string;
  if (code.startsWith("SQLITE_CANTOPEN") || code === "EACCES" || code === "EROFS" || code === "ENOENT") {
    advice = `the file or its directory cannot be opened for writing (${message}). Make it writable, or: ${FIX_PATH}`;
  } else if (code.startsWith("SQLITE_READONLY") || code === "SQLITE_PERM") {
    advice = `it is read-only (${message}). Make the file and its directory writable, or: ${FIX_PATH}`;
  } else if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
    advice = `the file is not a SQLite database or is damaged (${message}). Move it aside to start a new store, or restore a backup.`;
  } else if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    advice = `another process holds its lock (${message}). Wait for it to finish, raise busyTimeout, or use PostgresStore for many writers.`;
  } else if (code === "SQLITE_FULL") {
    advice = `the disk is full (${message}). Free space, or delete old runs with store.deleteRuns().`;
  } else {
    advice = `${message}${code ? ` (${code})` : ""}.`;
  }
  return new StoreError(location, `${head}: ${advice}`, { cause: error });
}

async function loadDriver(location: string): Promise<typeof BetterSqlite3> {
  try {
    const module = (await import("better-sqlite3")) as { default: typeof BetterSqlite3 };
    return module.default;
  } catch (error) {
    throw new StoreError(
      location,
      `justpipe/sqlite needs the better-sqlite3 package (^12): npm install better-sqlite3@12 (${String(error)})`,
      { cause: error },
    );
  }
}

/**
 * Opens the file (creating its directory), sets WAL, `synchronous=NORMAL`, `busy_timeout` and
 * foreign keys, reads the schema version, and only when it is behind applies the pending
 * migrations under `BEGIN IMMEDIATE` (opening an up-to-date file writes nothing).
 *
 * @param location - the resolved path.
 * @param busyTimeout - how long to wait for another process's lock, in milliseconds.
 */
export async function openSqlite(location: string, busyTimeout: number): Promise<SqliteDatabase> {
  const Database = await loadDriver(location);
  if (location !== ":memory:") {
    try {
      mkdirSync(dirname(location), { recursive: true });
    } catch (error) {
      throw sqliteStoreError(error, location, "create the directory of");
    }
  }
  let database: SqliteDatabase | undefined;
  try {
    database = new Database(location, { timeout: busyTimeout });
    database.pragma("journal_mode = WAL");
    database.pragma("synchronous = NORMAL");
    database.pragma("foreign_keys = ON");
    migrate(database, location);
    return database;
  } catch (error) {
    database?.close();
    throw sqliteStoreError(error, location, "open");
  }
}

/** The schema version recorded in the file (0 for a new file), read without writing. */
function schemaVersion(database: SqliteDatabase): number {
  const ledger = database
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (ledger === undefined) return 0;
  const row = database.prepare("SELECT max(version) AS version FROM schema_migrations").get() as {
    version: number | null;
  };
  return row.version ?? 0;
}

function checkNotNewer(current: number, location: string): void {
  if (current > SCHEMA_VERSION) {
    throw new StoreError(
      location,
      `The SQLite store at ${location} has schema version ${current}, newer than this justpipe knows (${SCHEMA_VERSION}). Upgrade justpipe, or choose another file.`,
    );
  }
}

// An up-to-date file is only read: opening it writes nothing and takes no write lock. Otherwise
// the migrations run under BEGIN IMMEDIATE, reading the version again inside the lock (another
// process may have migrated in between).
function migrate(database: SqliteDatabase, location: string): void {
  const seen = schemaVersion(database);
  checkNotNewer(seen, location);
  if (seen === SCHEMA_VERSION) return;
  database.exec("BEGIN IMMEDIATE");
  try {
    database.exec(ledgerStatement("sqlite"));
    const current = schemaVersion(database);
    checkNotNewer(current, location);
    const record = database.prepare(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
    );
    for (const migration of migrations("sqlite")) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements) database.exec(statement);
      record.run(migration.version, migration.name, Date.now());
    }
    database.exec("COMMIT");
  } catch (error) {
    if (database.inTransaction) database.exec("ROLLBACK");
    throw error;
  }
}
