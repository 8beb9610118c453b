// A process that runs (or resumes) an approval pipeline in a SQLite store and prints the outcome as
// one JSON line: the human-in-the-loop test runs it twice, as two separate processes.
//   tsx approval-process.ts run <db>            -> { runId, status }
//   tsx approval-process.ts resume <db> <runId> -> { runId, status, state }
import { appendFileSync } from "node:fs";
import { EventType, Pipe, Suspend } from "../../../src/index.js";
import { SqliteStore } from "../../../src/sqlite/index.js";

interface Review {
  draft: string;
  approved?: boolean;
  published?: string;
}

const [mode, path, runId] = process.argv.slice(2);
const store = new SqliteStore({ path: path! });
const pipe = new Pipe<Review>({ name: "review", store });
pipe.step("publish", ({ state, idempotencyKey }) => {
  state.published = state.approved ? state.draft.toUpperCase() : "rejected";
  appendFileSync(`${path}.effects`, `publish ${idempotencyKey}\n`);
});
pipe.step(
  "approve",
  ({ state }) => (state.approved === undefined ? new Suspend({ reason: "a human must approve" }) : undefined),
  { to: "publish" },
);
pipe.step("write", ({ state }) => void (state.draft = "hello"), { to: "approve" });

const events = mode === "run" ? pipe.run({ draft: "" }) : pipe.resume(runId!, { input: { approved: true } });
const state: { value?: unknown } = {};
let out: Record<string, unknown> = {};
for await (const event of events) {
  if (event.type === EventType.START) state.value = event.payload;
  if (event.type === EventType.FINISH)
    out = { runId: event.runId, status: event.payload.status, state: state.value };
}
await store.close();
console.log(JSON.stringify(out));
