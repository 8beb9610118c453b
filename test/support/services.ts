// Real services for tests: PostgreSQL (and, later, Redis). Outside CI an unreachable service skips
// its tests with a one-line reason; under CI=true it fails them, so CI cannot pass without them.
import pg from "pg";

/** The Postgres the tests use: DATABASE_URL, else the local trust-auth server's `test` database. */
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Whether a service is reachable, and if not why (a line that says how to start it). */
export interface Availability {
  readonly ok: boolean;
  readonly reason: string;
}

const inCi = () => process.env.CI === "true" || process.env.CI === "1";

/**
 * Connects to Postgres once. Under CI an unreachable server throws (the test file fails).
 *
 * @example
 * ```ts
 * const postgres = await postgresAvailable();
 * describe.skipIf(!postgres.ok)(`PostgresStore${postgres.reason}`, () => { ... });
 * ```
 */
export async function postgresAvailable(): Promise<Availability> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { ok: true, reason: "" };
  } catch (error) {
    const reason =
      ` (skipped: PostgreSQL unreachable at ${DATABASE_URL}: ${String(error)}; start it with ` +
      "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` or set DATABASE_URL)";
    if (inCi()) throw new Error(`CI=true and${reason.replace(" (skipped:", "")}`);
    return { ok: false, reason };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Drops a test schema (and everything in it).
 *
 * @param schema - the schema, a plain identifier.
 */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Runs SQL on the test database (setup and assertions), with a client of its own.
 *
 * @param sql - the statement(s).
 * @param params - parameters for a single statement.
 */
export async function postgresQuery(sql: string, params?: unknown[]): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** The Redis the tests use: REDIS_URL, else the one on this machine. */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Whether Redis answers a PING at {@link REDIS_URL}. Under CI an unreachable server throws. */
export async function redisAvailable(): Promise<Availability> {
  const { createConnection } = await import("node:net");
  const url = new URL(REDIS_URL);
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = createConnection(
      { host: url.hostname || "127.0.0.1", port: Number(url.port || 6379) },
      () => socket.write("PING\r\n"),
    );
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("data", (data) => {
      socket.destroy();
      resolve(/^[+-](PONG|NOAUTH)/.test(data.toString()));
    });
    socket.once("error", () => resolve(false));
  });
  if (reachable) return { ok: true, reason: "" };
  const reason =
    ` (skipped: Redis unreachable at ${REDIS_URL}; start it with ` +
    '`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no` or set REDIS_URL)';
  if (inCi()) throw new Error(`CI=true and${reason.replace(" (skipped:", "")}`);
  return { ok: false, reason };
}

/** A key prefix of its own for one test file (and process), so parallel files never share keys. */
export function uniquePrefix(name: string): string {
  return `jptest-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
