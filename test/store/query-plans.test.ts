// The dashboard's and the command line's run queries read indexes (schema v2), not every run:
// the plans of the exact SQL the stores send, in SQLite (EXPLAIN QUERY PLAN) and Postgres (EXPLAIN).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { RunQuery } from "../../src/index.js";
import { PostgresStore } from "../../src/postgres/index.js";
import { SqliteStore } from "../../src/sqlite/index.js";
import { normalizeRunQuery } from "../../src/store/query.js";
import { runWhere } from "../../src/store/sql-rows.js";
import { DATABASE_URL, dropSchema, postgresAvailable } from "../support/services.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-plans-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const FILTERED: RunQuery = { status: "failed", pipe: "nightly" };
const SEARCH: RunQuery = { search: "weekly" };

describe("SQLite query plans", () => {
  const plan = async (sql: (where: string) => string, query: RunQuery, extra: unknown[] = []) => {
    const path = join(directory, "plans.db");
    await new SqliteStore({ path }).init();
    const database = new Database(path, { readonly: true });
    try {
      const where = runWhere(normalizeRunQuery(query), () => "?");
      const rows = database.prepare(`EXPLAIN QUERY PLAN ${sql(where.sql)}`).all(...where.params, ...extra);
      return (rows as { detail: string }[]).map((row) => row.detail);
    } finally {
      database.close();
    }
  };
  const list = (where: string) =>
    `SELECT * FROM runs ${where} ORDER BY started_at DESC, run_id DESC LIMIT ? OFFSET ?`;
  const count = (where: string) => `SELECT count(*) AS count FROM runs ${where}`;

  it("a list filtered by status and pipe reads the (status, pipe_name, started_at) index", async () => {
    expect((await plan(list, FILTERED, [50, 0]))[0]).toMatch(
      /USING INDEX runs_status_pipe \(status=\? AND pipe_name=\?\)/,
    );
  });

  it("its count reads only that index", async () => {
    expect(await plan(count, FILTERED)).toEqual([
      "SEARCH runs USING COVERING INDEX runs_status_pipe (status=? AND pipe_name=?)",
    ]);
  });

  it("a search counts through indexes (id range, pipe names, runs with an error or failed step), not a scan of every run", async () => {
    const steps = await plan(count, SEARCH);
    expect(steps).toContain("MULTI-INDEX OR");
    expect(steps.join("\n")).toMatch(/sqlite_autoindex_runs_1 \(run_id>\? AND run_id<\?\)/);
    // The pipe names: a loose index scan, one probe per name.
    expect(steps.join("\n")).toMatch(/runs_pipe \(pipe_name>\?\)/);
    expect(steps.join("\n")).toMatch(/runs_error \(error>\?\)/);
    expect(steps.join("\n")).toMatch(/runs_failed_step \(failed_step>\?\)/);
    expect(steps).not.toContain("SCAN runs");
  });
});

const postgres = await postgresAvailable();

describe.skipIf(!postgres.ok)(`Postgres query plans${postgres.reason}`, () => {
  const SCHEMA = "jp_test_plans";
  afterAll(() => dropSchema(SCHEMA));

  // With sequential scans off, as on a table large enough for them to lose: the plan shows which
  // index the query can use.
  const explain = async (sql: (where: string) => string, query: RunQuery): Promise<string> => {
    await dropSchema(SCHEMA);
    const store = new PostgresStore({ connectionString: DATABASE_URL, schema: SCHEMA });
    await store.init();
    await store.close();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query("SET enable_seqscan = off");
      const where = runWhere(
        normalizeRunQuery(query),
        (index) => `$${index}`,
        1,
        `${SCHEMA}.runs`,
        "postgres",
      );
      const result = await client.query(`EXPLAIN ${sql(where.sql)}`, where.params);
      return result.rows.map((row) => String(row["QUERY PLAN"])).join("\n");
    } finally {
      await client.end();
    }
  };
  const count = (where: string) => `SELECT count(*) AS count FROM ${SCHEMA}.runs ${where}`;

  it("a count filtered by status and pipe reads the (status, pipe_name, started_at) index", async () => {
    expect(await explain(count, FILTERED)).toMatch(/Index Only Scan using runs_status_pipe/);
  });

  it("a search reads the primary key, the pipe index and the partial error and failed-step indexes", async () => {
    const plan = await explain(count, SEARCH);
    expect(plan).toMatch(/BitmapOr/);
    expect(plan).toMatch(/runs_pkey/);
    expect(plan).toMatch(/runs_error/);
    expect(plan).toMatch(/runs_failed_step/);
  });
});
