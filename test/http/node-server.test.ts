import { afterEach, describe, expect, it } from "vitest";
import { readEvents, StreamError, sendToNodeResponse } from "../../src/http/index.js";
import { EventType, Pipe, type PipeEvent } from "../../src/index.js";
import { untilAborted } from "../resilience/support.js";
import { listen } from "./support.js";

interface State {
  question: string;
  documents: string[];
  answer: string;
}

function ragPipe(): Pipe<State> {
  const pipe = new Pipe<State>({ name: "rag" });
  pipe.step(
    "retrieve",
    ({ state }) => {
      state.documents = ["justpipe runs your functions as a graph"];
    },
    { to: "generate" },
  );
  pipe.step("generate", async function* ({ state }) {
    for (const word of ["justpipe ", "runs ", "graphs"]) {
      state.answer += word;
      yield word;
    }
  });
  return pipe;
}

let server: Awaited<ReturnType<typeof listen>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("sendToNodeResponse over a real node:http server, read with fetch + readEvents", () => {
  for (const format of ["sse", "ndjson"] as const) {
    it(`streams a RAG run as ${format}`, async () => {
      server = await listen(async (request, response) => {
        const question = new URL(request.url!, "http://x").searchParams.get("q") ?? "";
        await sendToNodeResponse(ragPipe().run({ question, documents: [], answer: "" }), response, {
          format,
          events: "all",
          headers: { "x-pipe": "rag" },
        });
      });
      const response = await fetch(`${server.url}/ask?q=what`);
      expect(response.headers.get("content-type")).toContain(
        format === "sse" ? "text/event-stream" : "ndjson",
      );
      expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
      expect(response.headers.get("x-pipe")).toBe("rag");
      const events: PipeEvent<State>[] = [];
      for await (const event of readEvents<State>(response)) events.push(event);
      expect(events[0]?.type).toBe(EventType.START);
      // START carries the state by reference: it is serialised when written, not when emitted.
      expect(events[0]?.payload).toMatchObject({ question: "what" });
      expect(events.filter((e) => e.type === EventType.TOKEN).map((e) => e.payload)).toEqual([
        "justpipe ",
        "runs ",
        "graphs",
      ]);
      const finish = events.at(-1)!;
      expect(finish.type === EventType.FINISH && finish.payload.status).toBe("success");
      expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index + 1));
    });
  }

  it("closes the run when the client aborts the request: the step's signal aborts and shutdown hooks run", async () => {
    let markStarted!: () => void;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    let markShutdown!: () => void;
    const shutdown = new Promise<void>((resolve) => (markShutdown = resolve));
    let stepSignal: AbortSignal | undefined;
    let served: Promise<void> | undefined;
    const ends: string[] = [];
    const pipe = new Pipe({ name: "slow-llm" });
    pipe.step("generate", async function* ({ signal }) {
      stepSignal = signal;
      yield "first";
      markStarted();
      await untilAborted(signal);
    });
    pipe.onShutdown(() => markShutdown());
    pipe.addObserver({ onPipelineEnd: (end) => void ends.push(end.status) });
    server = await listen((_request, response) => {
      served = sendToNodeResponse(pipe.run({}), response, { events: "tokens" });
      return served;
    });
    const client = new AbortController();
    const response = await fetch(server.url, { signal: client.signal });
    const events = readEvents(response);
    expect((await events.next()).value).toMatchObject({ type: "token", payload: "first" });
    await started;
    client.abort();
    await shutdown;
    await served;
    expect(stepSignal?.aborted).toBe(true);
    expect(ends).toEqual(["client_closed"]);
  });

  it("leaving the readEvents loop early cancels the body, which closes the run on the server", async () => {
    let markShutdown!: () => void;
    const shutdown = new Promise<void>((resolve) => (markShutdown = resolve));
    const pipe = new Pipe({ name: "endless" });
    pipe.step("generate", async function* ({ signal }) {
      for (let i = 0; !signal.aborted; i++) {
        yield i;
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    pipe.onShutdown(() => markShutdown());
    server = await listen((_request, response) =>
      sendToNodeResponse(pipe.run({}), response, { format: "ndjson" }),
    );
    let seen = 0;
    for await (const event of readEvents(await fetch(server.url))) {
      if (event.type === EventType.TOKEN && ++seen === 3) break;
    }
    await shutdown;
  });

  it("reports a run that throws (an invalid definition) as a StreamError on the client", async () => {
    const pipe = new Pipe({ name: "invalid" });
    pipe.step("a", () => {}, { to: "nowhere" });
    server = await listen((_request, response) => sendToNodeResponse(pipe.run({}), response));
    const error = await (async () => {
      for await (const _ of readEvents(await fetch(server!.url))) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamError);
    expect((error as StreamError).remote?.name).toBe("DefinitionError");
  });
});
