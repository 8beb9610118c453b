// The command over a PostgresStore (a real server: DATABASE_URL, else 127.0.0.1:5432/test), in a
// schema of its own that the test drops afterwards.
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DATABASE_URL, postgresAvailable } from "../support/services.js";
import { FIXTURES, justpipe } from "./support.js";

const postgres = await postgresAvailable();
const schema = `cli_test_${process.pid}`;
const url = new URL(DATABASE_URL);
url.searchParams.set("schema", schema);
const store = url.toString();

describe.skipIf(!postgres.ok)(`justpipe over Postgres${postgres.reason}`, () => {
  afterAll(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it("stores a run in the schema given by ?schema= and reads it back", async () => {
    const run = await justpipe([
      "--store",
      store,
      "run",
      join(FIXTURES, "pipes.mjs"),
      "--run-id",
      "pg-run-1",
      "-q",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const listed = JSON.parse((await justpipe(["--store", store, "runs", "list", "--json"])).stdout);
    expect(listed.map((record: { runId: string }) => record.runId)).toEqual(["pg-run-1"]);
    const shown = await justpipe(["--store", store, "runs", "show", "pg-run", "--json"]);
    expect(JSON.parse(shown.stdout).steps.map((step: { step: string }) => step.step)).toEqual([
      "load",
      "embed",
      "embedChunk",
      "answer",
    ]);
    const events = await justpipe([
      "--store",
      store,
      "runs",
      "events",
      "pg-run-1",
      "--type",
      "finish",
      "--json",
    ]);
    expect(JSON.parse(events.stdout)).toHaveLength(1);
  });
});
