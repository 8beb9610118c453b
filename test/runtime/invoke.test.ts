import { describe, expect, it } from "vitest";
import { JustpipeError, Pipe, PipelineError, SimulatedClock, Suspend } from "../../src/index.js";
import { untilAborted } from "../resilience/support.js";

interface State {
  question: string;
  answer?: string;
}

function ragPipe(): Pipe<State, { failAt?: string } | undefined> {
  const pipe = new Pipe<State, { failAt?: string } | undefined>({ name: "rag" });
  pipe.step(
    "retrieve",
    ({ ctx }) => {
      if (ctx?.failAt === "retrieve") throw new Error("index offline", { cause: new Error("ECONNREFUSED") });
    },
    { to: "answer" },
  );
  pipe.step("answer", async function* ({ state }) {
    yield "Hello";
    yield ", world";
    state.answer = "Hello, world";
  });
  return pipe;
}

describe("pipe.invoke()", () => {
  it("runs to the end and returns the state, the end data and the tokens", async () => {
    const state: State = { question: "hi" };
    const result = await ragPipe().invoke(state);
    expect(result.state).toBe(state);
    expect(result.state.answer).toBe("Hello, world");
    expect(result.tokens).toEqual(["Hello", ", world"]);
    expect(result.end.status).toBe("success");
    expect(result.end.metrics?.tokens).toBe(2);
  });

  it("throws a PipelineError carrying the end data when the run fails", async () => {
    const error = await ragPipe()
      .invoke({ question: "hi" }, { context: { failAt: "retrieve" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineError);
    expect(error).toBeInstanceOf(JustpipeError);
    const failure = error as PipelineError;
    expect(failure.code).toBe("PIPELINE_FAILED");
    expect(failure.end).toMatchObject({ status: "failed", failedStep: "retrieve", error: "index offline" });
    expect(failure.message).toBe(
      "Pipeline 'rag' failed at step 'retrieve': index offline (invoke(state, { throwOnFailure: false }) returns the end data instead of throwing)",
    );
    expect((failure.cause as Error).message).toBe("index offline");
  });

  it("returns instead of throwing with throwOnFailure: false", async () => {
    const result = await ragPipe().invoke(
      { question: "hi" },
      { context: { failAt: "retrieve" }, throwOnFailure: false },
    );
    expect(result.end.status).toBe("failed");
    expect(result.tokens).toEqual([]);
  });

  it("throws for a run timeout, a cancelled run and a suspended run", async () => {
    const clock = new SimulatedClock();
    const slow = new Pipe({ name: "slow", clock });
    slow.step("wait", ({ signal }) => untilAborted(signal));
    const pending = slow.invoke({}, { timeout: 500 }).catch((e: unknown) => e);
    await clock.advance(500);
    const timedOut = (await pending) as PipelineError;
    expect(timedOut.end.status).toBe("timeout");
    expect(timedOut.message).toContain("Pipeline 'slow' timed out");

    const controller = new AbortController();
    controller.abort();
    const cancelled = (await slow
      .invoke({}, { signal: controller.signal })
      .catch((e: unknown) => e)) as PipelineError;
    expect(cancelled.end.status).toBe("cancelled");

    const approval = new Pipe({ name: "approval" });
    approval.step("ask", () => new Suspend({ reason: "needs approval" }));
    const suspended = (await approval.invoke({}).catch((e: unknown) => e)) as PipelineError;
    expect(suspended).toBeInstanceOf(PipelineError);
    expect(suspended.end.status).toBe("suspended");
    expect(suspended.message).toContain("Pipeline 'approval' suspended and has no result yet");
    const returned = await approval.invoke({}, { throwOnFailure: false });
    expect(returned.end.status).toBe("suspended");
  });

  it("rejects a throwOnFailure that is not a boolean", async () => {
    await expect(
      ragPipe().invoke({ question: "hi" }, { throwOnFailure: "no" as unknown as boolean }),
    ).rejects.toThrow("invoke(): expected `throwOnFailure` to be a boolean, got `no` (string).");
  });
});
