// The pipeline of the crash test, run in a child process with durability "step":
//   tsx crash-process.ts run <db>            prints the run id, then one line per event
//   tsx crash-process.ts resume <db> <id>    prints the final state as JSON
// Every step appends "<phase> <step> <idempotencyKey>" to $EFFECTS_FILE when it ends its work
// ($PHASE: 1 for the run, 2 for the resume), so the test can count how often each invocation ran
// in each process. The run prints "event <seq> <type> <stage> <last scope entry>" per event.
import { appendFileSync } from "node:fs";
import { EventType, Pipe, type Store } from "../../../src/index.js";
import { SqliteStore } from "../../../src/sqlite/index.js";

export interface CrashState {
  left?: boolean;
  right?: boolean;
  joined?: boolean;
  results: Record<string, number>;
  summary?: number;
  done?: boolean;
}

const [mode, location, runId] = process.argv.slice(2);
const store: Store = location!.startsWith("postgres")
  ? new (await import("../../../src/postgres/index.js")).PostgresStore({
      connectionString: location!.split("#")[0]!,
      schema: location!.split("#")[1]!,
    })
  : new SqliteStore({ path: location! });
const effects = process.env.EFFECTS_FILE!;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const phase = process.env.PHASE ?? "1";
const effect = (step: string, key: string) => appendFileSync(effects, `${phase} ${step} ${key}\n`);

// The sub-pipeline has two steps, the second slow, so a kill can land inside it after the first.
const child = new Pipe<{ values: number[]; count?: number; total?: number }>({ name: "sum" });
child.step("total", async ({ state, idempotencyKey }) => {
  await pause(300);
  state.total = state.values.reduce((a, b) => a + b, 0);
  effect("sum.total", idempotencyKey);
});
child.step(
  "count",
  ({ state, idempotencyKey }) => {
    state.count = state.values.length;
    effect("sum.count", idempotencyKey);
  },
  { to: "total" },
);

const pipe = new Pipe<CrashState>({ name: "crash", store, durability: "step" });
const LEASE_MS = 600;
pipe.step("done", ({ state, idempotencyKey }) => {
  state.done = true;
  effect("done", idempotencyKey);
});
pipe.sub("summarize", ({ state }) => ({ values: Object.values(state.results) }), {
  pipeline: child,
  to: "done",
});
pipe.step("work", async ({ state, item, idempotencyKey }) => {
  await pause(1 + ((item as number) % 3));
  state.results[String(item)] = (item as number) * 2; // idempotent: assigned by key
  effect(`work[${item}]`, idempotencyKey);
});
pipe.map("items", () => Array.from({ length: 200 }, (_, index) => index), {
  each: "work",
  maxConcurrency: 8,
  to: "summarize",
});
pipe.step(
  "join",
  ({ state, idempotencyKey }) => {
    state.joined = true;
    effect("join", idempotencyKey);
  },
  { to: "items" },
);
pipe.step(
  "left",
  async ({ state, idempotencyKey }) => {
    await pause(5);
    state.left = true;
    effect("left", idempotencyKey);
  },
  { to: "join" },
);
pipe.step(
  "right",
  async ({ state, idempotencyKey }) => {
    await pause(20);
    state.right = true;
    effect("right", idempotencyKey);
  },
  { to: "join" },
);
pipe.step("prepare", ({ idempotencyKey }) => effect("prepare", idempotencyKey), { to: ["left", "right"] });

const events = mode === "run" ? pipe.run({ results: {} }, { leaseTtl: LEASE_MS }) : pipe.resume(runId!);
let last: unknown;
for await (const event of events) {
  if (mode === "run")
    console.log(
      event.type === EventType.START && event.parentRunId === null
        ? `run ${event.runId}`
        : `event ${event.seq} ${event.type} ${event.stage} ${event.scope.at(-1) ?? "-"}`,
    );
  if (event.type === EventType.START && event.parentRunId === null) last = event.payload;
  if (event.type === EventType.FINISH) {
    console.log(
      JSON.stringify({
        status: event.payload.status,
        runId: event.runId,
        state: last,
        errors: event.payload.errors,
      }),
    );
  }
}
await store.close();
