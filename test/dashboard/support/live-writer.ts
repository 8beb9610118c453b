// Another process running a pipe with a SQLite store while the dashboard shows it:
//   node --import tsx test/dashboard/support/live-writer.ts <store.db>
// A real run (`pipe.run(state, { store })`): prints "started <runId>" once the run is stored as
// running, holds its step "wait_for_gate" until a line arrives on stdin, then finishes and exits.
import { createInterface } from "node:readline";
import { generateRunId, Pipe } from "justpipe";
import { SqliteStore } from "justpipe/sqlite";

const store = new SqliteStore({ path: process.argv[2]! });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const runId = generateRunId();
const live = new Pipe<{ done: boolean }>({ name: "live-job" });
live.step("finish_up", async ({ state }) => {
  state.done = true;
});
live.step(
  "wait_for_gate",
  async () => {
    // The run's first events are stored within the recorder's flush interval: wait until the
    // store has the run, say so, then wait for the test's line.
    while ((await store.getRun(runId)) === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    process.stdout.write(`started ${runId}\n`);
    await lines.next();
  },
  { to: "finish_up" },
);
for await (const _event of live.run({ done: false }, { store, runId })) {
  // Drained: the run stores itself.
}
await store.close();
process.exit(0);
