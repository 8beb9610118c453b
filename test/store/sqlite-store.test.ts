import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SqliteStore } from "../../src/sqlite/index.js";
import { storeContract } from "./contract.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-sqlite-contract-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;

storeContract("SqliteStore", async (now) => {
  const path = join(directory, `runs-${files++}.db`);
  const store = new SqliteStore({ path, now });
  return { store, reopen: () => new SqliteStore({ path, now }), dispose: () => store.close() };
});
