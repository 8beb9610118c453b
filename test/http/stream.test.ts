import { describe, expect, it } from "vitest";
import {
  readEvents,
  type ServeOptions,
  StreamError,
  toReadableStream,
  toResponse,
} from "../../src/http/index.js";
import { Pipe, SimulatedClock } from "../../src/index.js";
import { untilAborted } from "../resilience/support.js";

interface State {
  question: string;
  answer?: string;
}

function chatPipe(): Pipe<State> {
  const pipe = new Pipe<State>({ name: "chat" });
  pipe.step("retrieve", () => {}, { to: "answer" });
  pipe.step("answer", async function* ({ state }) {
    yield "Hel";
    yield "lo";
    state.answer = "Hello";
  });
  return pipe;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

function deferred(): { promise: Promise<void>; resolve(): void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("toReadableStream", () => {
  it("writes SSE messages: the event type as `event:`, seq as `id:`, the JSON event as `data:`", async () => {
    const body = await text(toReadableStream(chatPipe().run({ question: "hi" }), { events: "all" }));
    const messages = body.trim().split("\n\n");
    expect(messages.map((m) => m.split("\n")[1])).toEqual([
      "event: start",
      "event: step_start",
      "event: step_end",
      "event: step_start",
      "event: token",
      "event: token",
      "event: step_end",
      "event: finish",
    ]);
    const token = messages[4]!.split("\n");
    expect(token[0]).toMatch(/^id: 5$/);
    expect(JSON.parse(token[2]!.slice("data: ".length))).toMatchObject({
      type: "token",
      stage: "answer",
      payload: "Hel",
      seq: 5,
    });
  });

  it("writes one JSON event per line with format ndjson", async () => {
    const body = await text(
      toReadableStream(chatPipe().run({ question: "hi" }), { format: "ndjson", events: "tokens" }),
    );
    const lines = body.split("\n");
    expect(lines.at(-1)).toBe("");
    const events = lines.slice(0, -1).map((line) => JSON.parse(line));
    expect(events.map((e) => [e.type, e.payload?.status ?? e.payload])).toEqual([
      ["token", "Hel"],
      ["token", "lo"],
      ["finish", "success"],
    ]);
  });

  it("selects events: progress leaves out START (the state) and barrier events; a predicate is kept; FINISH always goes", async () => {
    const types = async (events: ServeOptions) => {
      const pipe = new Pipe<{ n: number }>({ name: "fan" });
      pipe.step("a", () => {}, { to: ["b", "c"] });
      pipe.step("b", () => {}, { to: "join" });
      pipe.step("c", () => {}, { to: "join" });
      pipe.step("join", () => {});
      const read: string[] = [];
      for await (const event of readEvents(toReadableStream(pipe.run({ n: 1 }), events)))
        read.push(event.type);
      return read;
    };
    const progress = await types({ events: "progress" });
    expect(progress).not.toContain("start");
    expect(progress).not.toContain("barrier_wait");
    expect(progress.filter((t) => t === "step_start")).toHaveLength(4);
    expect(await types({ events: "all" })).toContain("barrier_release");
    expect(
      await types({ events: (event) => event.stage === "join" && event.nodeKind !== "barrier" }),
    ).toEqual(["step_start", "step_end", "finish"]);
    await expect(types({ events: "some" as "all" })).rejects.toThrow(
      'justpipe/http: expected `events` to be "tokens", "progress", "all" or a function, got `some`.',
    );
  });

  it("serialises step errors (name, message, cause) instead of {}", async () => {
    const pipe = new Pipe({ name: "broken" });
    pipe.step("call", () => {
      throw new Error("model overloaded", { cause: new Error("503") });
    });
    const events = [];
    for await (const event of readEvents(toReadableStream(pipe.run({})))) events.push(event);
    const stepError = events.find((e) => e.type === "step_error")!;
    expect(stepError.payload).toMatchObject({
      message: "model overloaded",
      error: { name: "Error", cause: { message: "503" } },
    });
    const finish = events.at(-1)!;
    expect(finish.type === "finish" && finish.payload.errors[0]?.cause).toMatchObject({
      message: "model overloaded",
    });
  });

  it("writes a heartbeat comment after heartbeatMs of silence, and none while events flow", async () => {
    const clock = new SimulatedClock();
    const release = deferred();
    const pipe = new Pipe({ name: "slow" });
    pipe.step("think", async function* () {
      yield "a";
      await release.promise;
      yield "b";
    });
    const reader = toReadableStream(pipe.run({}), { events: "tokens", clock, heartbeatMs: 1000 }).getReader();
    const decode = new TextDecoder();
    const read = async () => decode.decode((await reader.read()).value);
    expect(await read()).toContain('"payload":"a"');
    const next = read();
    await clock.advance(1000); // a token was written in this interval: no heartbeat yet
    await clock.advance(1000);
    expect(await next).toBe(": keep-alive\n\n");
    release.resolve();
    expect(await read()).toContain('"payload":"b"');
    expect(await read()).toContain('"type":"finish"');
    expect((await reader.read()).done).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it("ends with an error record that readEvents throws when the run throws (an invalid definition)", async () => {
    const pipe = new Pipe({ name: "invalid" });
    pipe.step("a", () => {}, { to: "missing" });
    for (const format of ["sse", "ndjson"] as const) {
      const error = await (async () => {
        for await (const _ of readEvents(toReadableStream(pipe.run({}), { format }))) {
          // drain
        }
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StreamError);
      expect((error as StreamError).remote).toMatchObject({ name: "DefinitionError", code: "DEFINITION" });
      expect((error as StreamError).message).toMatch(/^The server's run failed: DefinitionError: .*missing/);
    }
  });

  it("cancelling the stream closes the run: the step's signal aborts, shutdown hooks run, observers see client_closed", async () => {
    const started = deferred();
    let stepSignal: AbortSignal | undefined;
    const ended: string[] = [];
    const pipe = new Pipe({ name: "closable" });
    pipe.step("wait", ({ signal }) => {
      stepSignal = signal;
      started.resolve();
      return untilAborted(signal);
    });
    pipe.onShutdown(() => {
      ended.push("shutdown");
    });
    pipe.addObserver({ onPipelineEnd: (end) => void ended.push(end.status) });
    const stream = toReadableStream(pipe.run({}));
    const reader = stream.getReader();
    const first = reader.read();
    await started.promise;
    expect(new TextDecoder().decode((await first).value)).toContain("event: step_start");
    const pending = reader.read();
    await reader.cancel("client left");
    expect(stepSignal?.aborted).toBe(true);
    expect(ended).toEqual(["shutdown", "client_closed"]);
    expect((await pending).done).toBe(true);
  });

  it("the signal option closes the run when it aborts", async () => {
    const started = deferred();
    const shutdown = deferred();
    const pipe = new Pipe({ name: "request" });
    pipe.step("wait", ({ signal }) => {
      started.resolve();
      return untilAborted(signal);
    });
    pipe.onShutdown(() => shutdown.resolve());
    const request = new AbortController();
    const reader = toReadableStream(pipe.run({}), { signal: request.signal }).getReader();
    void reader.read();
    await started.promise;
    request.abort();
    await shutdown.promise;
  });

  it("rejects a bad format, heartbeat or run with a message saying what to pass", () => {
    const run = chatPipe().run({ question: "" });
    expect(() => toReadableStream(run, { format: "xml" as "sse" })).toThrow(
      'justpipe/http: expected `format` to be "sse", "ndjson" or "ui-message", got `xml`.',
    );
    expect(() => toReadableStream(run, { heartbeatMs: -1 })).toThrow(
      "expected `heartbeatMs` to be a number of milliseconds >= 0 or false, got `-1`.",
    );
    expect(() => toReadableStream({} as typeof run)).toThrow("expected `run` to be what pipe.run() returned");
  });
});

describe("toResponse", () => {
  it("sets the format's headers, merged with yours, and the status", async () => {
    const response = toResponse(chatPipe().run({ question: "hi" }), {
      headers: { "x-request-id": "42", "cache-control": "no-store" },
      status: 201,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("x-request-id")).toBe("42");
    const ndjson = toResponse(chatPipe().run({ question: "hi" }), { format: "ndjson" });
    expect(ndjson.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const tokens: unknown[] = [];
    for await (const event of readEvents(ndjson)) if (event.type === "token") tokens.push(event.payload);
    expect(tokens).toEqual(["Hel", "lo"]);
  });
});

describe("readEvents", () => {
  it("throws a StreamError when the stream ends before FINISH, or the response is not a success", async () => {
    const truncated = new Response('event: step_start\ndata: {"type":"step_start","parentRunId":null}\n\n', {
      headers: { "content-type": "text/event-stream" },
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of readEvents(truncated)) seen.push(event.type);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["step_start"]);
    expect((error as StreamError).message).toMatch(/^The event stream ended before the run's FINISH event/);

    const notFound = new Response("no such route", { status: 404, statusText: "Not Found" });
    await expect(readEvents(notFound).next()).rejects.toMatchObject({
      status: 404,
      message: "The server answered 404 Not Found instead of an event stream: no such route",
    });
  });

  it("reads an async iterable of text or bytes, telling ndjson from SSE by the first character", async () => {
    const finish = { type: "finish", parentRunId: null, payload: { status: "success" } };
    async function* chunks(parts: (string | Uint8Array)[]) {
      yield* parts;
    }
    const bytes = new TextEncoder().encode(`\n${JSON.stringify(finish)}`);
    const fromNdjson = [];
    for await (const event of readEvents(chunks(['{"type":"token","payload":"x"}', "\n", bytes])))
      fromNdjson.push(event.type);
    expect(fromNdjson).toEqual(["token", "finish"]);
    const fromSse = [];
    for await (const event of readEvents(chunks([": hi\n\n", `data: ${JSON.stringify(finish)}\n\n`])))
      fromSse.push(event.type);
    expect(fromSse).toEqual(["finish"]);
  });
});
