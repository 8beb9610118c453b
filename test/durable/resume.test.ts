import { describe, expect, it } from "vitest";
import {
  EventType,
  MemoryStore,
  Pipe,
  type PipeEvent,
  ResumeMismatchError,
  RunLockedError,
  RunNotFoundError,
  RunNotResumableError,
  Suspend,
} from "../../src/index.js";

async function drain<S>(stream: AsyncIterable<PipeEvent<S>>): Promise<PipeEvent<S>[]> {
  const events: PipeEvent<S>[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
const finish = (events: PipeEvent<unknown>[]) => {
  const last = events.at(-1)!;
  if (last.type !== EventType.FINISH) throw new Error("no FINISH");
  return last.payload;
};
const steps = (events: PipeEvent<unknown>[]) =>
  events.filter((event) => event.type === EventType.STEP_START).map((event) => event.stage);

interface Approval {
  log: string[];
  approved?: boolean;
}

function approvalPipe(store: MemoryStore, audit = false) {
  const pipe = new Pipe<Approval>({ name: "approval", store });
  if (audit) pipe.step("audit", () => {});
  pipe.step(
    "publish",
    ({ state }) => {
      state.log.push(`publish:${state.approved}`);
    },
    audit ? { to: "audit" } : {},
  );
  pipe.step(
    "approve",
    ({ state }) => {
      state.log.push("asked");
      if (state.approved === undefined) return new Suspend({ reason: "needs a human" });
    },
    { to: "publish" },
  );
  pipe.step("draft", ({ state }) => void state.log.push("draft"), { to: "approve" });
  return pipe;
}

describe("durable runs: store, suspend, resume", () => {
  it("stores the run, its events, its definition and an exit checkpoint; resume continues after the suspended step", async () => {
    const store = new MemoryStore();
    const pipe = approvalPipe(store);
    const first = await drain(pipe.run({ log: [] }));
    expect(finish(first).status).toBe("suspended");
    const runId = first[0]!.runId;
    const run = await store.getRun(runId);
    expect(run).toMatchObject({
      status: "suspended",
      suspendedStep: "approve",
      suspendReason: "needs a human",
      pipeName: "approval",
      threadId: runId,
      owner: null,
    });
    expect(run?.end?.status).toBe("suspended");
    expect((await store.getEvents(runId)).map((event) => event.type)).toEqual(
      first.map((event) => event.type),
    );
    expect(await store.getPipeline(pipe.hash())).toMatchObject({
      name: "approval",
      describe: { hash: pipe.hash() },
    });

    const second = await drain(pipe.resume(runId.slice(0, 8), { input: { approved: true } }));
    expect(finish(second).status).toBe("success");
    expect(steps(second)).toEqual(["publish"]);
    const resumed = await store.getRun(second[0]!.runId);
    expect(resumed).toMatchObject({ status: "success", threadId: runId, resumedFrom: runId });
    const checkpoint = await store.loadCheckpoint(runId);
    expect(checkpoint?.runId).toBe(resumed?.runId);
    expect(JSON.parse(checkpoint!.state as string)).toEqual({
      log: ["draft", "asked", "publish:true"],
      approved: true,
    });
    await expect(drain(pipe.resume(runId))).rejects.toThrow(/already resumed as/);
    await expect(drain(pipe.resume(resumed!.runId))).rejects.toThrow(RunNotResumableError);
  });

  it("resumes one branch of a fan-out whose other branch finished: the join's arrival is restored", async () => {
    const store = new MemoryStore();
    const pipe = new Pipe<{ log: string[]; ok?: boolean }>({ name: "fan", store });
    pipe.step("join", ({ state }) => void state.log.push("join"));
    pipe.step("left", ({ state }) => void state.log.push("left"), { to: "join" });
    pipe.step(
      "right",
      ({ state }) => {
        state.log.push("right");
        if (!state.ok) return new Suspend({ reason: "wait" });
      },
      { to: "join" },
    );
    pipe.step("start", () => {}, { to: ["left", "right"] });
    const first = await drain(pipe.run({ log: [] }));
    expect(finish(first).status).toBe("suspended");
    const second = await drain(pipe.resume(first[0]!.runId, { input: { ok: true } }));
    expect(finish(second).status).toBe("success");
    expect(steps(second)).toEqual(["join"]);
  });

  it("refuses unknown runs with the closest ids, and a changed definition naming the steps", async () => {
    const store = new MemoryStore();
    const first = await drain(approvalPipe(store).run({ log: [] }));
    const runId = first[0]!.runId;
    const error = await drain(approvalPipe(store).resume(`${runId.slice(0, 3)}zzzz`)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect((error as RunNotFoundError).suggestions).toContain(runId);
    const changed = approvalPipe(store, true);
    const mismatch = await drain(changed.resume(runId)).catch((caught: unknown) => caught);
    expect(mismatch).toBeInstanceOf(ResumeMismatchError);
    expect((mismatch as ResumeMismatchError).steps).toEqual(["audit", "publish"]);
    const allowed = await drain(
      changed.resume(runId, { allowDefinitionChange: true, input: { approved: false } }),
    );
    expect(finish(allowed).status).toBe("success");
  });

  it("two resumes of one run at once: one proceeds, the other gets RunLockedError", async () => {
    const store = new MemoryStore();
    const pipe = approvalPipe(store);
    const runId = (await drain(pipe.run({ log: [] })))[0]!.runId;
    const outcomes = await Promise.allSettled([
      drain(pipe.resume(runId, { input: { approved: true } })),
      drain(pipe.resume(runId, { input: { approved: true } })),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    const rejected = outcomes.find((outcome) => outcome.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(RunLockedError);
  });

  it("a failed run resumes only with retryFailed, re-running the failed step", async () => {
    const store = new MemoryStore();
    let fail = true;
    const keys: string[] = [];
    const pipe = new Pipe<{ n: number }>({ name: "flaky", store });
    pipe.step("after", ({ state }) => void state.n++);
    pipe.step(
      "call",
      ({ state, idempotencyKey }) => {
        keys.push(idempotencyKey);
        state.n++;
        if (fail) throw new Error("503");
      },
      { to: "after" },
    );
    const first = await drain(pipe.run({ n: 0 }));
    expect(finish(first).status).toBe("failed");
    const runId = first[0]!.runId;
    expect(await store.getRun(runId)).toMatchObject({ status: "failed", failedStep: "call", error: "503" });
    await expect(drain(pipe.resume(runId))).rejects.toThrow(/retryFailed: true/);
    fail = false;
    const second = await drain(pipe.resume(runId, { retryFailed: true }));
    expect(finish(second).status).toBe("success");
    expect(steps(second)).toEqual(["call", "after"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it("a store that fails does not fail an exit run: FINISH says so (persistence_error)", async () => {
    const store = new MemoryStore();
    store.write = async () => {
      throw new Error("disk full");
    };
    const pipe = new Pipe<{ n: number }>({ name: "p", store });
    pipe.step("a", ({ state }) => void state.n++);
    const end = finish(await drain(pipe.run({ n: 0 })));
    expect(end.status).toBe("success");
    expect(end.errors).toEqual([
      expect.objectContaining({
        kind: "infra",
        reason: "persistence_error",
        error: expect.stringContaining("disk full"),
      }),
    ]);
  });

  it("with durability 'sync' a store that fails fails the run (failureKind infra)", async () => {
    const store = new MemoryStore();
    const write = store.write.bind(store);
    let checkpoints = 0;
    store.write = async (batch) => {
      // The first checkpoint (before anything runs) is stored; the one before `b` starts is not.
      if (batch.checkpoint && ++checkpoints > 1) throw new Error("disk full");
      return write(batch);
    };
    const ran: string[] = [];
    const pipe = new Pipe<{ n: number }>({ name: "p", store, durability: "sync" });
    pipe.step("b", () => void ran.push("b"));
    pipe.step("a", () => void ran.push("a"), { to: "b" });
    const end = finish(await drain(pipe.run({ n: 0 })));
    expect(end).toMatchObject({ status: "failed", failureKind: "infra", reason: "persistence_error" });
    expect(ran).toEqual(["a"]);
  });

  it("a caller-chosen run id that exists is an error naming it", async () => {
    const store = new MemoryStore();
    const pipe = approvalPipe(store);
    await drain(pipe.run({ log: [] }, { runId: "order-42" }));
    await expect(drain(pipe.run({ log: [] }, { runId: "order-42" }))).rejects.toThrow(/order-42/);
  });
});
