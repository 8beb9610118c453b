// Runs a two-step pipe against a SqliteStore at argv[2] with durability argv[3] and prints its
// FINISH payload as JSON: run as another user by the tests (root ignores file permissions, so a
// read-only directory is only read-only to someone else).
import { type Durability, Pipe } from "../../../src/index.js";
import { SqliteStore } from "../../../src/sqlite/index.js";

const store = new SqliteStore({ path: process.argv[2]! });
const pipe = new Pipe<{ n: number }>({ name: "read-only-run" });
pipe.step("b", ({ state }) => void state.n++);
pipe.step("a", ({ state }) => void state.n++, { to: "b" });
const state = { n: 0 };
for await (const event of pipe.run(state, { store, durability: process.argv[3] as Durability })) {
  if (event.type === "finish") console.log(JSON.stringify({ ...event.payload, n: state.n }));
}
await store.close();
