// The dashboard over PostgresStore: the API answers from Postgres, and a run's stream delivers
// events that another connection (the writer's own store) stores while it is open.
import { generateRunId, Pipe } from "justpipe";
import { PostgresStore } from "justpipe/postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboard } from "../../src/dashboard/index.js";
import { DATABASE_URL, dropSchema, postgresAvailable } from "../support/services.js";
import { failingPipe, initial, ragPipe } from "./support/pipes.js";
import { runStored } from "./support/run-stored.js";

const postgres = await postgresAvailable();
const schema = `dashboard_test_${process.pid}`;

describe.skipIf(!postgres.ok)(`the dashboard over PostgresStore${postgres.reason}`, () => {
  let reader: PostgresStore;
  let writer: PostgresStore;
  let dashboard: { url: string; close(): Promise<void> };
  const getJson = async (path: string) => (await fetch(new URL(path, dashboard.url))).json() as Promise<any>;

  beforeAll(async () => {
    await dropSchema(schema);
    writer = new PostgresStore({ connectionString: DATABASE_URL, schema });
    await writer.init();
    reader = new PostgresStore({ connectionString: DATABASE_URL, schema });
    await runStored(writer, ragPipe(), initial());
    await runStored(writer, failingPipe(), initial());
    dashboard = await startDashboard({ store: reader, port: 0 });
  });
  afterAll(async () => {
    await dashboard?.close();
    await reader?.close();
    await writer?.close();
    await dropSchema(schema);
  });

  it("lists, filters and shows runs stored in Postgres", async () => {
    expect((await getJson("/api/runs")).total).toBe(2);
    const failed = await getJson("/api/runs?status=failed");
    expect(failed.runs.map((run: { failedStep: string }) => run.failedStep)).toEqual(["validate"]);
    const detail = await getJson(`/api/runs/${failed.runs[0].runId}`);
    expect(detail.pipeline.name).toBe("ingest");
    const events = await getJson(`/api/runs/${failed.runs[0].runId}/events?type=step_error`);
    expect(events.events[0].payload.message).toContain("schema mismatch");
  });

  /** A run that waits in "wait_for_gate" until `release()`; `stored` resolves once the store has it. */
  function gatedRun() {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runId = generateRunId();
    const live = new Pipe<{ done: boolean }>({ name: "live-job" });
    live.step("finish_up", async () => {});
    live.step(
      "wait_for_gate",
      async () => {
        while ((await reader.getRun(runId)) === undefined)
          await new Promise((resolve) => setTimeout(resolve, 10));
        stored();
        await gate;
      },
      { to: "finish_up" },
    );
    let stored!: () => void;
    const running = new Promise<void>((resolve) => {
      stored = resolve;
    });
    const writing = runStored(writer, live, { done: false }, { runId });
    return { runId, running, release, writing };
  }

  it("streams the events another connection stores while the stream is open", async () => {
    const { runId, running, release, writing } = gatedRun();
    await running;
    const [run] = (await getJson("/api/runs?pipe=live-job")).runs;
    expect(run).toMatchObject({ runId, status: "running" });
    const response = await fetch(new URL(`/api/runs/${run.runId}/stream`, dashboard.url));
    const text = response.text();
    release();
    await writing;
    const stream = await text;
    expect(stream).toContain('"type":"step_end"');
    expect(stream).toContain('"stage":"finish_up"');
    expect(stream).toMatch(/event: run\ndata: \{[^\n]*"status":"success"/);
    expect(stream.trim().endsWith("event: end\ndata: {}")).toBe(true);
  });

  it("wakes a follower by LISTEN/NOTIFY, not by polling", async () => {
    const { runId, running, release, writing } = gatedRun();
    await running;
    // A poll interval longer than the test's timeout: only a notification can deliver the rest.
    const seen: string[] = [];
    const following = (async () => {
      for await (const event of reader.followEvents(runId, { pollInterval: 10 * 60_000 })) {
        seen.push(`${event.type}:${event.stage}`);
      }
    })();
    release();
    await writing;
    await following;
    expect(seen).toContain("step_end:finish_up");
    expect(seen.at(-1)).toBe("finish:system");
  }, 20_000);
});
