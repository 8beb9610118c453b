// Schema versions: every released version has a frozen fixture under fixtures/; opening it must
// bring it to the current version with its data intact and the same schema as a new store.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/index.js";
import { PostgresStore } from "../../src/postgres/index.js";
import { SqliteStore } from "../../src/sqlite/index.js";
import { migrations, SCHEMA_VERSION } from "../../src/store/sql-schema.js";
import { DATABASE_URL, dropSchema, postgresAvailable, postgresQuery } from "../support/services.js";

const FIXTURES = join(import.meta.dirname, "fixtures");
const fixtures = (dialect: string) =>
  readdirSync(FIXTURES)
    .filter((file) => file.startsWith(`${dialect}-v`))
    .map((file) => ({ file, version: Number(/-v(\d+)\.sql$/.exec(file)![1]) }));
const directory = mkdtempSync(join(tmpdir(), "justpipe-migrations-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function expectFixtureData(store: SqliteStore | PostgresStore): Promise<void> {
  const run = await store.getRun("v1run");
  expect(run).toMatchObject({
    status: "suspended",
    suspendedStep: "approve",
    labels: { module: "./fixture.ts" },
  });
  expect((await store.getEvents(run!.runId)).map((event) => event.type)).toEqual(["start", "token"]);
  expect((await store.loadCheckpoint(run!.runId))?.state).toBe('{"count":1}');
  expect((await store.listPipelines())[0]).toMatchObject({ hash: "hash-v1", runCount: 1 });
}

const sqliteSchema = (path: string): string[] => {
  const database = new Database(path, { readonly: true });
  try {
    const rows = database
      .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
      .all() as { type: string; name: string; sql: string }[];
    return rows.map((row) => `${row.type} ${row.name}: ${row.sql.replace(/\s+/g, " ")}`);
  } finally {
    database.close();
  }
};

describe("SQLite schema versions", () => {
  it("there is a fixture for every released version, and the newest is the current version", () => {
    expect(fixtures("sqlite").map((fixture) => fixture.version)).toEqual(
      migrations("sqlite").map((migration) => migration.version),
    );
    expect(migrations("sqlite").at(-1)?.version).toBe(SCHEMA_VERSION);
  });

  for (const { file, version } of fixtures("sqlite")) {
    it(`opens a database made by schema v${version}, keeps its data and ends with the new schema`, async () => {
      const path = join(directory, `from-${file}.db`);
      const old = new Database(path);
      old.exec(readFileSync(join(FIXTURES, file), "utf8"));
      old.close();
      const store = new SqliteStore({ path });
      await expectFixtureData(store);
      await store.close();
      const fresh = join(directory, `fresh-${version}.db`);
      await new SqliteStore({ path: fresh }).init();
      expect(sqliteSchema(path)).toEqual(sqliteSchema(fresh));
      const ledger = new Database(path, { readonly: true });
      expect(ledger.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all()).toEqual(
        migrations("sqlite").map((migration) => migration.version),
      );
      ledger.close();
    });
  }

  it("re-opening is idempotent, and processes opening one new file at once all succeed", async () => {
    const path = join(directory, "concurrent.db");
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, [
              "--import",
              "tsx",
              "test/store/support/open-sqlite.ts",
              path,
            ]);
            let output = "";
            child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
            child.on("close", () => resolve(output.trim()));
          }),
      ),
    );
    expect(outcomes).toEqual(Array(4).fill('{"ok":true}'));
    for (let round = 0; round < 2; round++) {
      const store = new SqliteStore({ path });
      await store.init();
      await store.init();
      await store.close();
    }
    const database = new Database(path, { readonly: true });
    expect(database.prepare("SELECT count(*) FROM schema_migrations").pluck().get()).toBe(SCHEMA_VERSION);
    database.close();
  });

  it("refuses a database from a newer justpipe instead of guessing", async () => {
    const path = join(directory, "newer.db");
    await new SqliteStore({ path }).init();
    const database = new Database(path);
    database
      .prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)")
      .run(SCHEMA_VERSION + 1);
    database.close();
    const error = await new SqliteStore({ path }).init().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).message).toMatch(/newer than this justpipe knows.*Upgrade justpipe/);
  });
});

const postgres = await postgresAvailable();

const postgresSchema = async (schema: string): Promise<string[]> => {
  const columns = await postgresQuery(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, collation_name
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const indexes = await postgresQuery(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
    [schema],
  );
  return [
    ...columns.rows.map((row) =>
      JSON.stringify({ ...row, column_default: String(row.column_default).replace(schema, "S") }),
    ),
    ...indexes.rows.map((row) => `${row.indexname}: ${String(row.indexdef).replaceAll(schema, "S")}`),
  ];
};

describe.skipIf(!postgres.ok)(`Postgres schema versions${postgres.reason}`, () => {
  const schemas = ["jp_test_mig_fixture", "jp_test_mig_fresh", "jp_test_mig_concurrent", "jp_test_mig_newer"];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it("there is a fixture for every released version", () => {
    expect(fixtures("postgres").map((fixture) => fixture.version)).toEqual(
      migrations("postgres").map((migration) => migration.version),
    );
  });

  for (const { file, version } of fixtures("postgres")) {
    it(`opens a schema made by v${version}, keeps its data and ends with the new schema`, async () => {
      const [schema, fresh] = [schemas[0]!, schemas[1]!];
      await dropSchema(schema);
      await dropSchema(fresh);
      await postgresQuery(
        `CREATE SCHEMA ${schema}; SET search_path TO ${schema}; ${readFileSync(join(FIXTURES, file), "utf8")}`,
      );
      const store = new PostgresStore({ connectionString: DATABASE_URL, schema });
      await expectFixtureData(store);
      await store.close();
      const newStore = new PostgresStore({ connectionString: DATABASE_URL, schema: fresh });
      await newStore.init();
      await newStore.close();
      expect(await postgresSchema(schema)).toEqual(await postgresSchema(fresh));
    });
  }

  it("concurrent opens of a new schema all succeed (advisory lock), and re-opening changes nothing", async () => {
    const schema = schemas[2]!;
    await dropSchema(schema);
    const stores = [1, 2, 3, 4, 5].map(() => new PostgresStore({ connectionString: DATABASE_URL, schema }));
    await Promise.all(stores.map((store) => store.init()));
    await stores[0]!.init();
    await Promise.all(stores.map((store) => store.close()));
    const ledger = await postgresQuery(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`);
    expect(ledger.rows.map((row) => row.version)).toEqual(
      migrations("postgres").map((migration) => migration.version),
    );
  });

  it("opening an up-to-date schema takes no lock and writes nothing (it opens while another holds the migration lock)", async () => {
    const schema = schemas[2]!;
    const store = new PostgresStore({ connectionString: DATABASE_URL, schema });
    await store.init();
    await store.close();
    const holder = new pg.Client({ connectionString: DATABASE_URL });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext($1))", [`justpipe:${schema}`]);
      const reopened = new PostgresStore({ connectionString: DATABASE_URL, schema });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const outcome = await Promise.race([
        reopened.init().then(() => "opened"),
        new Promise<string>((resolve) => {
          timer = setTimeout(() => resolve("waited for the lock"), 5000);
        }),
      ]);
      clearTimeout(timer);
      expect(outcome).toBe("opened");
      expect(await reopened.listRuns()).toEqual([]);
      await reopened.close();
    } finally {
      await holder.end();
    }
  });

  it("refuses a schema from a newer justpipe", async () => {
    const schema = schemas[3]!;
    await dropSchema(schema);
    const store = new PostgresStore({ connectionString: DATABASE_URL, schema });
    await store.init();
    await store.close();
    await postgresQuery(
      `INSERT INTO ${schema}.schema_migrations VALUES (${SCHEMA_VERSION + 1}, 'future', 0)`,
    );
    const error = await store.init().catch((caught: unknown) => caught);
    await store.close();
    expect((error as StoreError).message).toMatch(/newer than this justpipe knows/);
  });
});
