// An approval step that survives a restart: the run suspends and is stored in SQLite; a second
// process (started below, as a deploy or a crash would) resumes it with the reviewer's answer.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EventType, Pipe, Suspend } from "justpipe";
import { SqliteStore } from "justpipe/sqlite";

interface Expense {
  amount: number;
  approved?: boolean;
  paid?: string;
}

function expensePipe(store: SqliteStore) {
  const pipe = new Pipe<Expense>({ name: "expense", store });
  pipe.step("pay", ({ state, idempotencyKey }) => {
    // idempotencyKey is the same if this step ever runs again for this run: pass it to the bank.
    state.paid = state.approved ? `paid ${state.amount} EUR (key ${idempotencyKey.length} chars)` : "refused";
  });
  pipe.step(
    "approve",
    ({ state }) => {
      if (state.approved === undefined) return new Suspend({ reason: `approve ${state.amount} EUR?` });
    },
    { to: "pay" },
  );
  pipe.step("check", ({ state }) => void (state.amount = Math.round(state.amount)), { to: "approve" });
  return pipe;
}

const [mode, file, runId] = process.argv.slice(2);

if (mode === "resume") {
  // The second process: a new store object, a new Pipe, the same file.
  const store = new SqliteStore({ path: file! });
  const pipe = expensePipe(store);
  let state: Expense | undefined;
  for await (const event of pipe.resume(runId!, { input: { approved: true } })) {
    if (event.type === EventType.START) state = event.payload;
    if (event.type === EventType.STEP_START) console.log(`  [process 2] ${event.stage}`);
    if (event.type === EventType.FINISH)
      console.log(`  [process 2] finish: ${event.payload.status}, ${state?.paid}`);
  }
  const run = await store.getRun(runId!);
  const [latest] = await store.listRuns({ threadId: run!.threadId, limit: 1 });
  console.log(
    `  [process 2] stored: ${run!.status} -> resumed as ${latest!.status} (same thread: ${latest!.threadId === run!.runId})`,
  );
  await store.close();
} else {
  const directory = mkdtempSync(path.join(tmpdir(), "justpipe-example-19-"));
  const db = path.join(directory, "runs.db");
  const store = new SqliteStore({ path: db });
  const pipe = expensePipe(store);
  let id = "";
  console.log("process 1 runs the expense until the approval:");
  for await (const event of pipe.run({ amount: 41.8 })) {
    id = event.runId;
    if (event.type === EventType.STEP_START) console.log(`  [process 1] ${event.stage}`);
    if (event.type === EventType.SUSPEND) console.log(`  [process 1] suspended: ${event.payload.reason}`);
    if (event.type === EventType.FINISH) console.log(`  [process 1] finish: ${event.payload.status}`);
  }
  const stored = await store.getRun(id);
  console.log(`  [process 1] stored: ${stored!.status} at '${stored!.suspendedStep}'`);
  await store.close();

  console.log("process 2 (after a restart) resumes it with the answer:");
  const self = fileURLToPath(import.meta.url);
  const output = execFileSync(process.execPath, [...process.execArgv, self, "resume", db, id.slice(0, 8)], {
    encoding: "utf8",
  });
  process.stdout.write(output);
  rmSync(directory, { recursive: true, force: true });
}
