import { afterAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/index.js";
import { PostgresStore } from "../../src/postgres/index.js";
import { DATABASE_URL, dropSchema, postgresAvailable, postgresQuery } from "../support/services.js";
import { makeEvent, makeRun } from "./fixtures.js";

const openError = async (store: PostgresStore): Promise<StoreError> => {
  const error = await store.init().catch((caught: unknown) => caught);
  await store.close();
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
};

describe("opening a bad Postgres store", () => {
  it("an unreachable server is a StoreError naming the URL (password hidden) and what to check", async () => {
    const error = await openError(
      new PostgresStore({ connectionString: "postgres://justpipe:secret@127.0.0.1:1/test", schema: "jp_x" }),
    );
    expect(error.location).toBe("postgres://justpipe:***@127.0.0.1:1/test (schema jp_x)");
    expect(error.message).toContain("127.0.0.1:1");
    expect(error.message).not.toContain("secret");
    expect(error.message).toMatch(/cannot be reached.*Check that PostgreSQL is running/);
  });

  it("needs a connection string, and a schema that is a plain identifier", () => {
    const previous = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      expect(() => new PostgresStore()).toThrow(/needs a connectionString/);
    } finally {
      if (previous !== undefined) process.env.DATABASE_URL = previous;
    }
    expect(() => new PostgresStore({ connectionString: DATABASE_URL, schema: 'x"; DROP' })).toThrow(
      /`schema`/,
    );
  });
});

const postgres = await postgresAvailable();

describe.skipIf(!postgres.ok)(`Postgres failures on a live server${postgres.reason}`, () => {
  const SCHEMA = "jp_test_failures";
  afterAll(() => dropSchema(SCHEMA));

  it("a database that does not exist is a StoreError saying to create it", async () => {
    const url = new URL(DATABASE_URL);
    url.pathname = "/justpipe_no_such_database";
    const error = await openError(new PostgresStore({ connectionString: url.toString(), schema: SCHEMA }));
    expect(error.message).toMatch(/database does not exist.*createdb/);
  });

  it("after pg_terminate_backend kills its connections, the store reconnects (a failed call is a StoreError)", async () => {
    await dropSchema(SCHEMA);
    const url = new URL(DATABASE_URL);
    url.searchParams.set("application_name", "jp_terminate_test");
    const store = new PostgresStore({ connectionString: url.toString(), schema: SCHEMA });
    await store.createRun(makeRun({ runId: "survivor" }));
    await store.write({ events: [makeEvent("survivor", 1)] });
    const killed = await postgresQuery(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'jp_terminate_test'",
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    const during = await store
      .write({ events: [makeEvent("survivor", 2)] })
      .catch((caught: unknown) => caught);
    if (during !== undefined) {
      expect(during).toBeInstanceOf(StoreError);
      expect((during as StoreError).message).toMatch(/connection was lost|terminat/);
    }
    await store.write({ events: [makeEvent("survivor", 2), makeEvent("survivor", 3)] });
    expect((await store.getEvents("survivor")).map((event) => event.seq)).toEqual([1, 2, 3]);
    await store.close();
  });
});
