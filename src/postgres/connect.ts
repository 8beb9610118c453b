import type * as Pg from "pg";
import type { Pool, PoolClient } from "pg";
import { StoreError } from "../index.js";
import { ledgerStatement, migrations, SCHEMA_VERSION } from "../store/sql-schema.js";

/** The `pg` module's exports that the store uses. */
export type PgModule = typeof Pg;

/**
 * Loads `pg` (an optional peer dependency) with a message that says how to install it.
 *
 * @param location - the store's location, for the message.
 */
export async function loadPg(location: string): Promise<PgModule> {
  try {
    const module = (await import("pg")) as PgModule & { default?: PgModule };
    return module.default ?? module;
  } catch (error) {
    throw new StoreError(
      location,
      `justpipe/postgres needs the pg package (^8): npm install pg@8 (${String(error)})`,
      {
        cause: error,
      },
    );
  }
}

/**
 * A connection string without its password, for messages.
 *
 * @param connectionString - the URL.
 */
export function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "postgres (unparsable connection string)";
  }
}

/**
 * Checks a schema name and returns it quoted for SQL.
 *
 * @param schema - the `schema` option.
 */
export function quoteSchema(schema: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new TypeError(
      `Expected \`schema\` to be letters, digits and underscores (not starting with a digit, at most 63), got \`${schema}\``,
    );
  }
  return `"${schema}"`;
}

/**
 * A {@link StoreError} for a failed Postgres operation, saying what the error means and what to do.
 *
 * @param error - what pg threw.
 * @param location - the store's location.
 * @param action - what was being done (`"connect to"`, `"write to"`).
 */
export function postgresStoreError(error: unknown, location: string, action: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = String((error as { code?: unknown }).code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  const head = `Cannot ${action} the Postgres store at ${location}`;
  let advice: string;
  if (["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH"].includes(code)) {
    advice = `the server cannot be reached (${message}). Check that PostgreSQL is running and the host and port are right.`;
  } else if (code === "28P01" || code === "28000") {
    advice = `authentication failed (${message}). Check the user and password in the connection string.`;
  } else if (code === "3D000") {
    advice = `the database does not exist (${message}). Create it (createdb) or fix the connection string.`;
  } else if (code === "42501") {
    advice = `permission denied (${message}). Grant the user CREATE on the database, or create the schema for it.`;
  } else if (
    code.startsWith("57P") ||
    code.startsWith("08") ||
    /terminat|Connection terminated|ECONNRESET/i.test(message)
  ) {
    advice = `the connection was lost (${message}). The server restarted or ended the session; the next call reconnects.`;
  } else {
    advice = `${message}${code ? ` (${code})` : ""}.`;
  }
  return new StoreError(location, `${head}: ${advice}`, { cause: error });
}

/** The schema version recorded in the schema's ledger (0 when there is none yet), read only. */
async function schemaVersion(client: PoolClient, quoted: string): Promise<number> {
  const { rows } = await client.query<{ ledger: string | null }>("SELECT to_regclass($1) AS ledger", [
    `${quoted}.schema_migrations`,
  ]);
  if (rows[0]?.ledger === null || rows[0]?.ledger === undefined) return 0;
  const version = await client.query<{ version: number | null }>(
    `SELECT max(version) AS version FROM ${quoted}.schema_migrations`,
  );
  return version.rows[0]?.version ?? 0;
}

function checkNotNewer(current: number, location: string): void {
  if (current > SCHEMA_VERSION) {
    throw new StoreError(
      location,
      `The Postgres store at ${location} has schema version ${current}, newer than this justpipe knows (${SCHEMA_VERSION}). Upgrade justpipe, or use another schema.`,
    );
  }
}

/**
 * Reads the schema version; only when it is behind, creates the schema and applies the pending
 * migrations in one transaction, under an advisory lock keyed by the schema name (concurrent
 * openers wait, then find nothing to do). Opening an up-to-date schema writes nothing.
 *
 * @param pool - the pool.
 * @param schema - the unquoted schema name.
 * @param location - the store's location, for messages.
 */
export async function migratePostgres(pool: Pool, schema: string, location: string): Promise<void> {
  const quoted = quoteSchema(schema);
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw postgresStoreError(error, location, "connect to");
  }
  try {
    // An up-to-date schema is only read: no transaction, no lock, no DDL.
    const seen = await schemaVersion(client, quoted);
    checkNotNewer(seen, location);
    if (seen === SCHEMA_VERSION) return;
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`justpipe:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`SET LOCAL search_path TO ${quoted}`);
    await client.query(ledgerStatement("postgres"));
    // Again under the lock: another process may have migrated in between.
    const current = await schemaVersion(client, quoted);
    checkNotNewer(current, location);
    for (const migration of migrations("postgres")) {
      if (migration.version <= current) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw postgresStoreError(error, location, "open");
  } finally {
    client.release();
  }
}
