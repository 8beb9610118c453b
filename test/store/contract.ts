// The contract every Store passes: MemoryStore, SqliteStore and PostgresStore run this same suite.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AmbiguousRunIdError,
  closestRunIds,
  RunExistsError,
  RunNotFoundError,
  type Store,
  type StoredEvent,
  StoreError,
} from "../../src/index.js";
import { makeCheckpoint, makeEvent, makePipeline, makeRun } from "./fixtures.js";

/** What a suite needs: a fresh, empty store on a clock the test moves, and how to dispose of it. */
export interface StoreFixture {
  readonly store: Store;
  /** Opens another store on the same data (a second process, in effect). */
  readonly reopen?: () => Store;
  readonly dispose: () => Promise<void>;
}

/** The test clock handed to stores (`now` option). */
export interface TestClock {
  now: () => number;
  set: (ms: number) => void;
}

const clock = (): TestClock => {
  let current = 10_000;
  return { now: () => current, set: (ms) => (current = ms) };
};

async function collectFollow(iterable: AsyncIterable<StoredEvent>): Promise<number[]> {
  const seqs: number[] = [];
  for await (const event of iterable) seqs.push(event.seq);
  return seqs;
}

/**
 * Defines the shared contract tests.
 *
 * @param name - the store's name in test titles.
 * @param create - makes a fresh, empty store on the given clock.
 */
export function storeContract(name: string, create: (now: () => number) => Promise<StoreFixture>): void {
  describe(`${name} (store contract)`, () => {
    let fixture: StoreFixture;
    let store: Store;
    let time: TestClock;
    beforeEach(async () => {
      time = clock();
      fixture = await create(time.now);
      store = fixture.store;
      await store.init();
    });
    afterEach(async () => {
      await fixture.dispose();
    });

    it("creates a run and reads back exactly the record it was given", async () => {
      const run = makeRun({
        runId: "a1b2c3d4e5",
        labels: { module: "./pipe.ts" },
        end: null,
        owner: "worker-1",
        leaseUntil: 50_000,
      });
      await store.createRun(run, makePipeline());
      expect(await store.getRun(run.runId)).toEqual({ ...run, updatedAt: 10_000 });
      await expect(store.createRun(run)).rejects.toThrow(RunExistsError);
      await expect(store.createRun(run)).rejects.toThrow(/a1b2c3d4e5/);
    });

    it("stores the terminal status with its FINISH payload and failure fields", async () => {
      const run = makeRun({ runId: "term1" });
      await store.createRun(run, makePipeline());
      const end = {
        status: "failed" as const,
        durationMs: 12.5,
        error: "boom",
        reason: "step_error" as const,
        failureKind: "step" as const,
        failureSource: "user_code" as const,
        failedStep: "fetch",
        errors: [
          {
            kind: "step" as const,
            source: "user_code" as const,
            reason: "step_error" as const,
            error: "boom",
          },
        ],
      };
      const ended = {
        ...run,
        status: "failed" as const,
        endedAt: 1_012.5,
        durationMs: 12.5,
        failureKind: "step" as const,
        failureSource: "user_code" as const,
        failedStep: "fetch",
        error: "boom",
        end,
      };
      await store.write({ run: ended });
      expect(await store.getRun("term1")).toEqual({ ...ended, updatedAt: 10_000 });
    });

    it("finds a run by a unique prefix, and names every match of an ambiguous one", async () => {
      for (const runId of ["abc111", "abc222", "abd333"]) await store.createRun(makeRun({ runId }));
      expect((await store.getRun("abd"))?.runId).toBe("abd333");
      expect((await store.getRun("abc1"))?.runId).toBe("abc111");
      const error = await store.getRun("ab").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AmbiguousRunIdError);
      expect((error as AmbiguousRunIdError).matches).toEqual(["abc111", "abc222", "abd333"]);
      expect(await store.getRun("zzz")).toBeUndefined();
      expect(await store.getRun("")).toBeUndefined();
      expect(await store.findRunIds("abc")).toEqual(["abc111", "abc222"]);
      expect(await store.findRunIds("ab", 2)).toEqual(["abc111", "abc222"]);
      expect(await closestRunIds(store, "abc9999")).toEqual(["abc111", "abc222"]);
      expect(await closestRunIds(store, "q")).toEqual([]);
      expect(new RunNotFoundError("abc9", store.location, ["abc111"]).message).toContain("abc111");
    });

    it("an exact id wins over being the prefix of another id", async () => {
      await store.createRun(makeRun({ runId: "run" }));
      await store.createRun(makeRun({ runId: "run-2" }));
      expect((await store.getRun("run"))?.runId).toBe("run");
    });

    it("appends events once: a retried batch changes nothing, and lastSeq follows the events", async () => {
      await store.createRun(makeRun({ runId: "ev" }));
      const batch = {
        events: [
          makeEvent("ev", 1, { type: "start", stage: "system", nodeKind: "system", payload: { count: 0 } }),
          makeEvent("ev", 2),
          makeEvent("ev", 3, {
            type: "token",
            payload: ["a", "b", { c: 1 }],
            coalesced: { count: 3, lastSeq: 6 },
          }),
        ],
      };
      await store.write(batch);
      await store.write(batch);
      const events = await store.getEvents("ev");
      expect(events).toEqual(batch.events);
      expect(events[1]!.payload).toBeUndefined();
      expect((await store.getRun("ev"))?.lastSeq).toBe(6);
    });

    it("keeps every event field, meta and scope included", async () => {
      await store.createRun(makeRun({ runId: "fields" }));
      const event = makeEvent("fields", 1, {
        type: "step_error",
        stage: "sub:inner",
        originRunId: "child",
        parentRunId: "fields",
        nodeKind: "map",
        parentInvocationId: "fields:0",
        ownerInvocationId: "fields:9",
        attempt: 3,
        scope: ["sub", "work[3]"],
        meta: { framework: { durationMs: 1.5, status: "failed" }, tags: ["x"] },
        payload: {
          message: "boom",
          error: { name: "Error", message: "boom", stack: "Error: boom" },
          retrying: false,
        },
        timestamp: 1_733_000_000_123,
      });
      await store.write({ events: [event] });
      expect(await store.getEvents("fields")).toEqual([event]);
    });

    it("filters events by seq, type and step, with a limit", async () => {
      await store.createRun(makeRun({ runId: "filter" }));
      const events = [1, 2, 3, 4, 5, 6].map((seq) =>
        makeEvent("filter", seq, {
          type: seq % 2 === 0 ? "step_end" : "step_start",
          stage: seq <= 3 ? "a" : "b",
        }),
      );
      await store.write({ events: [...events].reverse() });
      const seqs = (list: StoredEvent[]) => list.map((event) => event.seq);
      expect(seqs(await store.getEvents("filter"))).toEqual([1, 2, 3, 4, 5, 6]);
      expect(seqs(await store.getEvents("filter", { afterSeq: 4 }))).toEqual([5, 6]);
      expect(seqs(await store.getEvents("filter", { types: ["step_end"] }))).toEqual([2, 4, 6]);
      expect(seqs(await store.getEvents("filter", { steps: ["b"] }))).toEqual([4, 5, 6]);
      expect(seqs(await store.getEvents("filter", { steps: ["b"], types: ["step_start"] }))).toEqual([5]);
      expect(seqs(await store.getEvents("filter", { limit: 2, afterSeq: 1 }))).toEqual([2, 3]);
      expect(await store.getEvents("filter", { types: [] })).toEqual([]);
      expect(await store.getEvents("nobody")).toEqual([]);
    });

    it("commits a batch whole or not at all", async () => {
      await store.createRun(makeRun({ runId: "atomic" }));
      const bad = {
        pipeline: makePipeline("hash-new", "new"),
        events: [makeEvent("atomic", 1), makeEvent("missing-run", 1)],
      };
      await expect(store.write(bad)).rejects.toThrow(StoreError);
      expect(await store.getEvents("atomic")).toEqual([]);
      expect(await store.getPipeline("hash-new")).toBeUndefined();
    });

    it("writing a running record keeps its lease; a terminal status releases it", async () => {
      const run = makeRun({ runId: "leased", owner: "me", leaseUntil: 20_000 });
      await store.createRun(run);
      await store.write({ run: { ...run, owner: "other", leaseUntil: null, error: "x" } });
      expect(await store.getRun("leased")).toMatchObject({ owner: "me", leaseUntil: 20_000, error: "x" });
      await store.write({ run: { ...run, status: "suspended" } });
      expect(await store.getRun("leased")).toMatchObject({
        owner: null,
        leaseUntil: null,
        status: "suspended",
      });
    });

    it("lists runs newest first, filtered and paged, and counts them", async () => {
      const runs = [
        makeRun({ runId: "r1", startedAt: 1_000, status: "success" }),
        makeRun({
          runId: "r2",
          startedAt: 2_000,
          status: "failed",
          error: "Rate LIMIT hit",
          failedStep: "call_llm",
        }),
        makeRun({
          runId: "r3",
          startedAt: 3_000,
          status: "suspended",
          pipeName: "review",
          pipeHash: "hash-review",
        }),
        makeRun({ runId: "r4", startedAt: 4_000, status: "running", threadId: "r3", resumedFrom: "r3" }),
        makeRun({ runId: "q5", startedAt: 4_000, status: "success" }),
      ];
      for (const run of runs) await store.createRun(run);
      const ids = async (query: Parameters<Store["listRuns"]>[0]) =>
        (await store.listRuns(query)).map((r) => r.runId);
      expect(await ids({})).toEqual(["r4", "q5", "r3", "r2", "r1"]);
      expect(await ids({ pipe: "review" })).toEqual(["r3"]);
      expect(await ids({ pipeHash: "hash-ingest", status: "success" })).toEqual(["q5", "r1"]);
      expect(await ids({ status: ["failed", "suspended"] })).toEqual(["r3", "r2"]);
      expect(await ids({ status: [] })).toEqual([]);
      expect(await ids({ since: 2_000, until: new Date(4_000) })).toEqual(["r3", "r2"]);
      expect(await ids({ idPrefix: "r" })).toEqual(["r4", "r3", "r2", "r1"]);
      expect(await ids({ threadId: "r3" })).toEqual(["r4", "r3"]);
      expect(await ids({ search: "limit" })).toEqual(["r2"]);
      expect(await ids({ search: "CALL_" })).toEqual(["r2"]);
      expect(await ids({ search: "revi" })).toEqual(["r3"]);
      expect(await ids({ search: "q" })).toEqual(["q5"]);
      expect(await ids({ search: "100%" })).toEqual([]);
      expect(await ids({ limit: 2 })).toEqual(["r4", "q5"]);
      expect(await ids({ limit: 2, offset: 2 })).toEqual(["r3", "r2"]);
      expect(await store.countRuns()).toBe(5);
      expect(await store.countRuns({ status: "success", limit: 1 })).toBe(2);
      await expect(store.listRuns({ limit: -1 })).rejects.toThrow(/`limit`/);
    });

    it("lists pipelines with their run counts and returns a stored describe()", async () => {
      await store.createRun(makeRun({ runId: "p1", startedAt: 1_000 }), makePipeline());
      await store.createRun(makeRun({ runId: "p2", startedAt: 5_000 }), makePipeline());
      await store.write({ pipeline: makePipeline("hash-idle", "idle") });
      expect(await store.listPipelines()).toEqual([
        { hash: "hash-ingest", name: "ingest", firstSeen: 500, runCount: 2, lastRunAt: 5_000 },
        { hash: "hash-idle", name: "idle", firstSeen: 500, runCount: 0, lastRunAt: null },
      ]);
      expect(await store.getPipeline("hash-ingest")).toEqual(makePipeline());
      expect(await store.getPipeline("nope")).toBeUndefined();
    });

    it("keeps the head checkpoint per run and loads the newest of a resume chain", async () => {
      const first = makeRun({ runId: "t1" });
      await store.createRun(first);
      await store.write({ checkpoint: makeCheckpoint(first, { seq: 2, writtenAt: 1_500, reason: "step" }) });
      const head = makeCheckpoint(first);
      await store.write({ checkpoint: head });
      expect(await store.loadCheckpoint("t1")).toEqual(head);
      const second = makeRun({ runId: "t2", threadId: "t1", resumedFrom: "t1", startedAt: 3_000 });
      await store.createRun(second);
      const bytes = new Uint8Array([0, 1, 2, 255]);
      const newer = makeCheckpoint(second, { writtenAt: 4_000, state: bytes, codec: "v8", quiescent: false });
      await store.write({ checkpoint: newer });
      for (const id of ["t1", "t2"]) {
        const loaded = await store.loadCheckpoint(id);
        expect(loaded).toEqual(newer);
        expect(loaded?.state).toBeInstanceOf(Uint8Array);
      }
      expect(await store.loadCheckpoint("unknown")).toBeUndefined();
    });

    it("leases are compare-and-set: free, own or expired can be claimed; one of two racers wins", async () => {
      await store.createRun(makeRun({ runId: "lease" }));
      expect(await store.claim("lease", "a", 1_000)).toBe(true);
      expect(await store.claim("lease", "b", 1_000)).toBe(false);
      expect(await store.claim("lease", "a", 1_000)).toBe(true);
      expect(await store.renew("lease", "b", 1_000)).toBe(false);
      time.set(10_500);
      expect(await store.renew("lease", "a", 1_000)).toBe(true);
      expect((await store.getRun("lease"))?.leaseUntil).toBe(11_500);
      time.set(11_500);
      expect(await store.claim("lease", "b", 1_000)).toBe(true);
      expect(await store.release("lease", "a")).toBe(false);
      expect(await store.release("lease", "b")).toBe(true);
      expect(await store.getRun("lease")).toMatchObject({ owner: null, leaseUntil: null });
      const racers = await Promise.all(["x", "y", "z"].map((owner) => store.claim("lease", owner, 1_000)));
      expect(racers.filter(Boolean)).toHaveLength(1);
      expect(await store.claim("no-such-run", "a", 1_000)).toBe(false);
    });

    it("deletes runs with their events and checkpoints, never a running one unless asked", async () => {
      const old = makeRun({ runId: "gone", startedAt: 1_000, status: "success" });
      await store.createRun(old);
      await store.write({ events: [makeEvent("gone", 1)], checkpoint: makeCheckpoint(old) });
      await store.createRun(makeRun({ runId: "old-running", startedAt: 1_000 }));
      await store.createRun(makeRun({ runId: "new", startedAt: 9_000, status: "failed" }));
      expect(await store.deleteRuns({ olderThan: 5_000, dryRun: true })).toBe(1);
      expect(await store.countRuns()).toBe(3);
      expect(await store.deleteRuns({ olderThan: new Date(5_000) })).toBe(1);
      expect(await store.getRun("gone")).toBeUndefined();
      expect(await store.getEvents("gone")).toEqual([]);
      expect(await store.loadCheckpoint("gone")).toBeUndefined();
      expect(await store.deleteRuns({ status: "running" })).toBe(1);
      expect(await store.deleteRuns({ pipe: "other" })).toBe(0);
      expect((await store.listRuns()).map((run) => run.runId)).toEqual(["new"]);
    });

    it("follows a run: stored events, then new ones, until it ends", async () => {
      const run = makeRun({ runId: "live" });
      await store.createRun(run);
      await store.write({ events: [makeEvent("live", 1), makeEvent("live", 2)] });
      const followed = collectFollow(store.followEvents("live", { afterSeq: 1, pollInterval: 5 }));
      await new Promise((resolve) => setTimeout(resolve, 30));
      await store.write({ events: [makeEvent("live", 3)] });
      await new Promise((resolve) => setTimeout(resolve, 30));
      await store.write({ run: { ...run, status: "success" }, events: [makeEvent("live", 4)] });
      expect(await followed).toEqual([2, 3, 4]);
      await expect(collectFollow(store.followEvents("missing"))).rejects.toThrow(RunNotFoundError);
    });

    it("stops following when the signal aborts", async () => {
      await store.createRun(makeRun({ runId: "open" }));
      await store.write({ events: [makeEvent("open", 1)] });
      const controller = new AbortController();
      const seen: number[] = [];
      for await (const event of store.followEvents("open", { signal: controller.signal, pollInterval: 5 })) {
        seen.push(event.seq);
        controller.abort();
      }
      expect(seen).toEqual([1]);
    });

    it("keeps its data across close and a new store on the same location", async () => {
      await store.createRun(makeRun({ runId: "kept" }), makePipeline());
      await store.write({ events: [makeEvent("kept", 1)] });
      await store.close();
      const again = fixture.reopen?.() ?? store;
      expect((await again.getRun("kept"))?.runId).toBe("kept");
      expect(await again.getEvents("kept")).toHaveLength(1);
      if (again !== store) await again.close();
    });
  });
}
