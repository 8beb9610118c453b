// The example of docs/testing.md ("Testing your pipelines"), kept running. Keep the two in sync:
// the docs import from "justpipe" and "justpipe/testing", this file from the sources.
import { describe, expect, it } from "vitest";
import { Pipe, StepTimeoutError } from "../../src/index.js";
import { SimulatedClock, TestPipe } from "../../src/testing/index.js";

// --- summarize.ts -------------------------------------------------------------------------
interface Summary {
  url: string;
  page: string;
  summary: string;
}

const pipe = new Pipe<Summary>({ name: "summarize" });

const summarize = pipe.step(
  "summarize",
  async function* ({ state, signal }) {
    // The real step streams from a model; tests mock it.
    const response = await fetch("https://llm.example/v1/stream", {
      method: "POST",
      body: state.page,
      signal,
    });
    for await (const chunk of response.body!) {
      const text = new TextDecoder().decode(chunk);
      state.summary += text;
      yield text;
    }
  },
  { timeout: 30_000 },
);

const download = pipe.step(
  "download",
  async ({ state, signal }) => {
    state.page = await (await fetch(state.url, { signal })).text();
  },
  { to: summarize, retries: 2 },
);

// --- summarize.test.ts --------------------------------------------------------------------
const newState = (): Summary => ({ url: "https://example.com", page: "", summary: "" });

describe("summarize pipeline", () => {
  it("streams the model's summary as tokens", async () => {
    using tester = new TestPipe(pipe);
    const fetchPage = tester.mock(download, ({ state }) => {
      state.page = "<h1>Cats</h1>";
    });
    tester.mock(summarize, async function* ({ state }) {
      yield "A page ";
      yield "about cats.";
      state.summary = "A page about cats.";
    });

    const result = await tester.run(newState());

    expect(result.status).toBe("success");
    expect(result.tokensOf(summarize)).toEqual(["A page ", "about cats."]);
    expect(result.finalState.summary).toBe("A page about cats.");
    fetchPage.assertCalledOnce();
    fetchPage.assertCalledWith({ attempt: 1 });
  });

  it("retries the download, then gives up", async () => {
    using tester = new TestPipe(pipe);
    const fetchPage = tester.mock(download, () => {
      throw new Error("503 Service Unavailable");
    });
    const model = tester.mock(summarize);

    const result = await tester.run(newState());

    expect(result.status).toBe("failed");
    expect(result.finish.failedStep).toBe("download");
    fetchPage.assertCalledTimes(3); // the first attempt + 2 retries
    model.assertNotCalled();
    expect(result.errors.map((e) => e.retrying)).toEqual([true, true, false]);
  });

  it("times the model out after 30 s, without waiting 30 s", async () => {
    using tester = new TestPipe(pipe);
    tester.mock(download);
    tester.mock(summarize, async function* ({ signal }) {
      yield "thinking...";
      await new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    });
    const clock = new SimulatedClock();

    const running = tester.run(newState(), { clock });
    await clock.advance(30_000);
    const result = await running;

    expect(result.status).toBe("failed");
    expect(result.errors[0]?.error).toBeInstanceOf(StepTimeoutError);
    expect(result.stepCalls(summarize)[0]).toMatchObject({ tokens: ["thinking..."], durationMs: 30_000 });
  });
});
