import { afterAll, describe } from "vitest";
import { PostgresStore } from "../../src/postgres/index.js";
import { DATABASE_URL, dropSchema, postgresAvailable } from "../support/services.js";
import { storeContract } from "./contract.js";

const postgres = await postgresAvailable();
const SCHEMA = "jp_test_contract";
let schemas = 0;
const used: string[] = [];
afterAll(async () => {
  for (const schema of used) await dropSchema(schema);
});

describe.skipIf(!postgres.ok)(`PostgresStore${postgres.reason}`, () => {
  storeContract("PostgresStore", async (now) => {
    const schema = `${SCHEMA}_${schemas++}`;
    used.push(schema);
    await dropSchema(schema);
    const store = new PostgresStore({ connectionString: DATABASE_URL, schema, now });
    return {
      store,
      reopen: () => new PostgresStore({ connectionString: DATABASE_URL, schema, now }),
      dispose: () => store.close(),
    };
  });
});
