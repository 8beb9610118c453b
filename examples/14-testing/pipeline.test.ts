/**
 * Tests for the weekly report pipeline, with vitest and justpipe/testing:
 * - TestPipe mocks steps by name or handler, runs to the end and returns a TestResult;
 * - fake services in the context exercise the real handlers;
 * - SimulatedClock makes retry backoff and timeouts happen without waiting;
 * - a registered step is still a plain function you can call.
 */
import { StepTimeoutError } from "justpipe";
import { SimulatedClock, TestPipe } from "justpipe/testing";
import { describe, expect, it, vi } from "vitest";
import { download, newReport, notify, pipe, type Services, summarize } from "./pipeline.js";

/** Fake services: every call succeeds at once unless a test overrides it. */
const fakeServices = (overrides: Partial<Services> = {}): Services => ({
  fetchSales: vi.fn(async () => [10, 20, 30]),
  async *streamSummary() {
    yield "Sales ";
    yield "are up.";
  },
  sendMail: vi.fn(async () => {}),
  recipients: ["team@example.com"],
  ...overrides,
});

describe("weekly report pipeline", () => {
  it("runs the real steps against fake services", async () => {
    using tester = new TestPipe(pipe); // nothing mocked: this is the real pipeline
    const services = fakeServices();

    const result = await tester.run(newReport("2025-W14"), { context: services });

    expect(result.status).toBe("success");
    expect(result.startedSteps).toEqual(["download", "summarize", "notify"]);
    expect(result.tokensOf(summarize)).toEqual(["Sales ", "are up."]);
    expect(result.finalState.sales).toEqual([10, 20, 30]);
    expect(services.sendMail).toHaveBeenCalledWith("team@example.com", "Sales are up.");
  });

  it("mocks the model step: a streaming mock yields the tokens", async () => {
    using tester = new TestPipe(pipe);
    const model = tester.mock(summarize, async function* ({ state }) {
      yield "Mocked summary.";
      state.summary = "Mocked summary.";
    });
    const mail = tester.mock(notify);

    const result = await tester.run(newReport("2025-W14"), { context: fakeServices() });

    expect(result.tokens).toEqual(["Mocked summary."]);
    model.assertCalledOnce();
    mail.assertCalledOnce();
    expect(result.finalState.summary).toBe("Mocked summary.");
  });

  it("retries the download after 1 s and 2 s of simulated time, then succeeds", async () => {
    using tester = new TestPipe(pipe);
    const fetch = tester.mock(download, ({ attempt, state }) => {
      if (attempt < 3) throw new Error("503 Service Unavailable");
      state.sales = [1, 2, 3];
    });
    tester.mock(summarize);
    tester.mock(notify);
    const clock = new SimulatedClock();

    // Start the run, then move the clock: the backoff waits are on the simulated clock.
    const [result] = await Promise.all([
      tester.run(newReport("2025-W14"), { clock, context: fakeServices() }),
      clock.runAll(),
    ]);

    expect(result.status).toBe("success");
    fetch.assertCalledTimes(3);
    expect(result.errors.map((e) => e.retrying)).toEqual([true, true]);
    const starts = result.eventsOf("step_start").filter((e) => e.stage === "download");
    expect(starts.map((e) => e.timestamp)).toEqual([0, 1_000, 3_000]); // 1 s, then 2 s of backoff
  });

  it("gives up after three failed downloads and never calls the model", async () => {
    using tester = new TestPipe(pipe);
    tester.mock(download, () => {
      throw new Error("503 Service Unavailable");
    });
    const model = tester.mock(summarize);
    const clock = new SimulatedClock();

    const [result] = await Promise.all([
      tester.run(newReport("W"), { clock, context: fakeServices() }),
      clock.runAll(),
    ]);

    expect(result.status).toBe("failed");
    expect(result.finish.failedStep).toBe("download");
    expect(result.stepCalls(download).map((call) => call.outcome)).toEqual(["error", "error", "error"]);
    model.assertNotCalled();
  });

  it("times the model out after 30 s without waiting 30 s", async () => {
    using tester = new TestPipe(pipe);
    tester.mock(download);
    tester.mock(summarize, async function* ({ signal }) {
      yield "thinking...";
      await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const clock = new SimulatedClock();

    const running = tester.run(newReport("W"), { clock, context: fakeServices() });
    await clock.advance(30_000);
    const result = await running;

    expect(result.status).toBe("failed");
    expect(result.errors[0]?.error).toBeInstanceOf(StepTimeoutError);
    expect(result.stepCalls(summarize)[0]).toMatchObject({ tokens: ["thinking..."], durationMs: 30_000 });
    expect(result.wasCalled(notify)).toBe(false);
  });

  it("calls a step's handler directly, like any function", async () => {
    const state = newReport("W");
    const services = fakeServices({ recipients: ["a@example.com", "b@example.com"] });
    state.summary = "Hi";

    await notify({ state, ctx: services } as Parameters<typeof notify>[0]);

    expect(state.sentTo).toEqual(["a@example.com", "b@example.com"]);
  });
});
