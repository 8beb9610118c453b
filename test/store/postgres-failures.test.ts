import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type Durability, Pipe, type PipeEvent, type PipelineEndData, StoreError } from "../../src/index.js";
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

async function finishOf(events: AsyncIterable<PipeEvent>): Promise<PipelineEndData & { ran: string[] }> {
  const ran: string[] = [];
  let end: PipelineEndData | undefined;
  for await (const event of events) {
    if (event.type === "step_end") ran.push(event.stage);
    if (event.type === "finish") end = event.payload as PipelineEndData;
  }
  return { ...end!, ran };
}

function twoSteps(first: () => Promise<void> = async () => undefined): Pipe<{ n: number }> {
  const pipe = new Pipe<{ n: number }>({ name: "two-steps" });
  pipe.step("b", ({ state }) => void state.n++);
  pipe.step(
    "a",
    async ({ state }) => {
      await first();
      state.n++;
    },
    { to: "b" },
  );
  return pipe;
}

describe("running against an unreachable Postgres", () => {
  const unreachable = () =>
    new PostgresStore({ connectionString: "postgres://justpipe:secret@127.0.0.1:1/test", schema: "jp_x" });

  for (const durability of ["exit", "step"] as const) {
    it(`durability "${durability}": the run goes on, FINISH names the server (no password) and what to check`, async () => {
      const store = unreachable();
      const end = await finishOf(twoSteps().run({ n: 0 }, { store, durability }));
      await store.close();
      expect(end).toMatchObject({ status: "success", ran: ["a", "b"] });
      expect(end.errors).toEqual([expect.objectContaining({ kind: "infra", reason: "persistence_error" })]);
      expect(end.errors[0]!.error).toMatch(/127\.0\.0\.1:1.*cannot be reached/);
      expect(end.errors[0]!.error).not.toContain("secret");
    });
  }

  it('durability "sync": the run fails (infra) before any step runs', async () => {
    const store = unreachable();
    const end = await finishOf(twoSteps().run({ n: 0 }, { store, durability: "sync" }));
    await store.close();
    expect(end).toMatchObject({
      status: "failed",
      failureKind: "infra",
      reason: "persistence_error",
      ran: [],
    });
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

  // The store's write waits on a lock the test holds; the test kills that connection with
  // pg_terminate_backend while the write is in flight, then lets go of the lock.
  async function killMidWrite(durability: Durability) {
    const schema = `${SCHEMA}_${durability}`;
    await dropSchema(schema);
    const url = new URL(DATABASE_URL);
    url.searchParams.set("application_name", `jp_kill_${durability}`);
    const store = new PostgresStore({ connectionString: url.toString(), schema });
    await store.init();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`BEGIN; LOCK TABLE ${schema}.events IN ACCESS EXCLUSIVE MODE`);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events: PipeEvent[] = [];
    const running = (async () => {
      const pipe = twoSteps(() => (durability === "step" ? released : Promise.resolve()));
      for await (const event of pipe.run({ n: 0 }, { store, durability })) events.push(event);
    })();
    let killed = 0;
    for (let attempt = 0; attempt < 500 && killed === 0; attempt++) {
      const result = await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [`jp_kill_${durability}`],
      );
      killed = result.rowCount ?? 0;
      if (killed === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.query("ROLLBACK");
    await admin.end();
    release();
    await running;
    const end = events.at(-1)!.payload as PipelineEndData;
    const runId = events[0]!.runId;
    const stored = await store.getRun(runId);
    const storedEvents = await store.getEvents(runId);
    await store.close();
    await dropSchema(schema);
    return { killed, end, events, stored, storedEvents };
  }

  it('durability "exit": a connection killed during the final write: FINISH says so, and the run is stored after it', async () => {
    const { killed, end, events, stored, storedEvents } = await killMidWrite("exit");
    expect(killed).toBe(1);
    expect(end).toMatchObject({ status: "success" });
    expect(end.errors).toEqual([expect.objectContaining({ kind: "infra", reason: "persistence_error" })]);
    expect(stored).toMatchObject({ status: "success" });
    // Every event, the FINISH that reports the failure included, was written by the retry.
    expect(storedEvents.map((event) => event.seq)).toEqual(events.map((event) => event.seq));
    expect(storedEvents.at(-1)?.payload).toMatchObject({ errors: [{ reason: "persistence_error" }] });
  });

  it('durability "step": a connection killed mid-write loses nothing: the batch is written again, the run succeeds', async () => {
    const { killed, end, events, stored, storedEvents } = await killMidWrite("step");
    expect(killed).toBe(1);
    expect(end).toMatchObject({ status: "success", errors: [] });
    expect(stored).toMatchObject({ status: "success" });
    expect(storedEvents.map((event) => event.seq)).toEqual(events.map((event) => event.seq));
  });

  it('durability "sync": a connection killed mid-write fails the run (infra), and its end is stored', async () => {
    const { killed, end, stored } = await killMidWrite("sync");
    expect(killed).toBe(1);
    expect(end).toMatchObject({ status: "failed", failureKind: "infra", reason: "persistence_error" });
    expect(end.errors.map((error) => error.error).join("\n")).toMatch(/terminat|connection/i);
    expect(stored).toMatchObject({ status: "failed", failureKind: "infra" });
  });
});
