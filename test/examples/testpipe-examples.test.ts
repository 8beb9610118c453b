import { describe, expect, it } from "vitest";
import { type Chat, createChatPipeline } from "../../examples/15-llm-streaming/pipeline.js";
import { createRagPipeline, newRagContext, newRagState } from "../../examples/16-rag-pipeline/pipeline.js";
import { TestPipe } from "../../src/testing/index.js";

// Examples 14, 15 and 16 are tested with the harness users get (`justpipe/testing`).
describe("example 16 (RAG) through TestPipe", () => {
  it("still answers from the other searches when the web search keeps failing", async () => {
    using tester = new TestPipe(createRagPipeline({ tokenDelayMs: 0 }));
    const web = tester.mock("searchWeb", () => {
      throw new Error("the web is down");
    });
    const result = await tester.run(newRagState("How does a parallel join work?"), {
      context: newRagContext(),
    });
    expect(result.status).toBe("success");
    expect(web.callCount).toBe(2); // the first attempt and its one retry
    expect(result.wasCalled("fuseResults")).toBe(true);
    expect(result.finalState.hits.web).toEqual([]);
    expect(result.tokensOf("generateAnswer").join("")).toContain("[1]");
  });

  it("says it found nothing when every search comes back empty", async () => {
    using tester = new TestPipe(createRagPipeline({ tokenDelayMs: 0 }));
    for (const step of ["searchVectors", "searchKeywords", "searchWeb"]) tester.mock(step);
    const result = await tester.run(newRagState("How does a parallel join work?"), {
      context: newRagContext(),
    });
    expect(result.status).toBe("success");
    expect(result.wasCalled("sayUnknown")).toBe(true);
    expect(result.wasCalled("rerank")).toBe(false);
  });
});

describe("example 15 (LLM streaming) through TestPipe", () => {
  it("routes to the chosen client and streams its tokens, with no network", async () => {
    using tester = new TestPipe(
      createChatPipeline({ apiKey: "test", baseURL: "http://127.0.0.1:9/v1", model: "m" }),
    );
    const openai = tester.mock("openaiAnswer", async function* ({ state }) {
      for (const token of ["Hel", "lo"]) {
        (state as Chat).answer += token;
        yield token;
      }
    });
    const aiSdk = tester.mock("aiSdkAnswer");
    const result = await tester.run({ client: "openai", question: "hi", answer: "" } as Chat);
    expect(result.status).toBe("success");
    expect(result.tokens).toEqual(["Hel", "lo"]);
    expect(result.finalState.answer).toBe("Hello");
    openai.assertCalledOnce();
    aiSdk.assertNotCalled();
  });
});
