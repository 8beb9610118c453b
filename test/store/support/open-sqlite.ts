// Opens a SqliteStore at argv[2] and prints the outcome as JSON: run as another user by the tests
// (root ignores file permissions, so a read-only directory is only read-only to someone else).
import { SqliteStore } from "../../../src/sqlite/index.js";

const store = new SqliteStore({ path: process.argv[2]! });
try {
  await store.init();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  const { name, message, location } = error as { name: string; message: string; location?: string };
  console.log(JSON.stringify({ ok: false, name, message, location }));
} finally {
  await store.close();
}
