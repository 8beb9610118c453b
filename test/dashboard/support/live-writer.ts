// Another process writing a run into a SQLite store while the dashboard shows it:
//   node --import tsx test/dashboard/support/live-writer.ts <store.db>
// Prints "started <runId>" once the run is stored as running, holds its step "wait_for_gate"
// until a line arrives on stdin, then finishes the run and exits.
import { createInterface } from "node:readline";
import { Pipe } from "justpipe";
import { SqliteStore } from "justpipe/sqlite";
import { recordRun } from "./record-run.js";

const store = new SqliteStore({ path: process.argv[2]! });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const live = new Pipe<{ done: boolean }>({ name: "live-job" });
live.step("finish_up", async ({ state }) => {
  state.done = true;
});
live.step(
  "wait_for_gate",
  async () => {
    await lines.next();
  },
  { to: "finish_up" },
);
let announced = false;
await recordRun(
  store,
  live,
  { done: false },
  {
    batch: 1,
    afterBatch: async () => {
      if (announced) return;
      announced = true;
      const [run] = await store.listRuns({ pipe: "live-job", limit: 1 });
      process.stdout.write(`started ${run!.runId}\n`);
    },
  },
);
await store.close();
process.exit(0);
