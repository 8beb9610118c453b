import { describe, expect, it } from "vitest";
import { MemoryStore, type PipelineEndData, type StoredEvent, type WriteBatch } from "../../src/index.js";
import { RunRecorder } from "../../src/store/recorder.js";
import { makeCheckpoint, makeEvent, makePipeline, makeRun } from "./fixtures.js";

const end: PipelineEndData = {
  status: "success",
  durationMs: 5,
  failureKind: "none",
  failureSource: "none",
  errors: [],
};

const token = (seq: number, invocation: string, payload: unknown): StoredEvent =>
  makeEvent("rec", seq, { type: "token", invocationId: invocation, payload });

function recorder(store: MemoryStore, tokens?: "coalesced" | "all" | "none") {
  return new RunRecorder({
    store,
    run: makeRun({ runId: "rec", owner: "me", leaseUntil: 99_999_999_999_999 }),
    pipeline: makePipeline(),
    flushInterval: 5,
    ...(tokens ? { tokens } : {}),
  });
}

describe("RunRecorder", () => {
  it("stores the run, batches events, and closes with the final record, releasing the lease", async () => {
    const store = new MemoryStore();
    const rec = recorder(store);
    await rec.open();
    expect(await store.getRun("rec")).toMatchObject({ status: "running", owner: "me" });
    for (let seq = 1; seq <= 3; seq++) rec.record(makeEvent("rec", seq));
    expect(await store.getEvents("rec")).toEqual([]);
    expect(await rec.flush()).toBe(true);
    expect((await store.getEvents("rec")).map((event) => event.seq)).toEqual([1, 2, 3]);
    rec.record(makeEvent("rec", 4, { type: "finish" }));
    expect(await rec.close(end, { status: "success", endedAt: 1_005, durationMs: 5 })).toBe(true);
    expect(await store.getRun("rec")).toMatchObject({ status: "success", end, owner: null, lastSeq: 4 });
    expect(await store.getPipeline("hash-ingest")).toEqual(makePipeline());
  });

  it("flushes on its own after flushInterval", async () => {
    const store = new MemoryStore();
    const rec = recorder(store);
    await rec.open();
    rec.record(makeEvent("rec", 1));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(await store.getEvents("rec")).toHaveLength(1);
    await rec.close(end, { status: "success" });
  });

  it("coalesces the tokens of one invocation into one row per batch", async () => {
    const store = new MemoryStore();
    const rec = recorder(store);
    await rec.open();
    rec.record(token(1, "a", "He"));
    rec.record(token(2, "b", "x"));
    rec.record(token(3, "a", "llo"));
    rec.record(makeEvent("rec", 4));
    rec.record(token(5, "a", "!"));
    await rec.flush();
    rec.record(token(6, "a", "again"));
    await rec.close(end, { status: "success" });
    const events = await store.getEvents("rec");
    expect(events.map((event) => [event.seq, event.payload, event.coalesced])).toEqual([
      [1, ["He", "llo", "!"], { count: 3, lastSeq: 5 }],
      [2, "x", undefined],
      [4, undefined, undefined],
      [6, "again", undefined],
    ]);
    expect((await store.getRun("rec"))?.lastSeq).toBe(6);
  });

  it("stores every token with tokens: 'all', and none with 'none'", async () => {
    for (const [mode, count] of [
      ["all", 3],
      ["none", 0],
    ] as const) {
      const store = new MemoryStore();
      const rec = recorder(store, mode);
      await rec.open();
      for (let seq = 1; seq <= 3; seq++) rec.record(token(seq, "a", seq));
      await rec.close(end, { status: "success" });
      expect((await store.getEvents("rec", { types: ["token"] })).length).toBe(count);
    }
  });

  it("keeps a failed batch and writes it with the next one; failures are reported", async () => {
    const store = new MemoryStore();
    let failNext = false;
    const write = store.write.bind(store);
    store.write = async (batch: WriteBatch) => {
      if (failNext) {
        failNext = false;
        throw new Error("disk full");
      }
      return write(batch);
    };
    const rec = recorder(store);
    await rec.open();
    rec.record(makeEvent("rec", 1));
    rec.setCheckpoint(makeCheckpoint(makeRun({ runId: "rec" })));
    failNext = true;
    expect(await rec.flush()).toBe(false);
    expect(rec.failures.map(String)).toEqual(["Error: disk full"]);
    rec.record(makeEvent("rec", 2));
    expect(await rec.flush()).toBe(true);
    expect((await store.getEvents("rec")).map((event) => event.seq)).toEqual([1, 2]);
    expect(await store.loadCheckpoint("rec")).toBeDefined();
    await rec.close(end, { status: "success" });
  });

  it("writes the exit checkpoint set after a step checkpoint was asked for, not the step one", async () => {
    const store = new MemoryStore();
    const rec = recorder(store);
    await rec.open();
    const run = makeRun({ runId: "rec" });
    rec.requestCheckpoint(() => ({ ...makeCheckpoint(run), reason: "step" }));
    rec.setCheckpoint({ ...makeCheckpoint(run), reason: "finish" });
    expect(await rec.flush()).toBe(true);
    expect((await store.loadCheckpoint("rec"))?.reason).toBe("finish");
    await rec.close(end, { status: "success" });
  });
});
