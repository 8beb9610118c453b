import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipelineEndData, PipelineTerminalStatus } from "../src/index.js";
import { assertRunInvariants, collect } from "./helpers.js";

// The Python README's examples in their TypeScript form.
describe("the seed README, in TypeScript", () => {
  it("hello world streams 'Hello, World!'", async () => {
    interface State {
      message: string;
    }
    const pipe = new Pipe<State>({ name: "hello" });
    const respond = pipe.step("respond", async function* ({ state }) {
      yield `${state.message}, World!`;
    });
    pipe.step(
      "greet",
      async ({ state }) => {
        state.message = "Hello";
      },
      { to: respond },
    );
    const tokens: unknown[] = [];
    for await (const event of pipe.run({ message: "" })) {
      if (event.type === EventType.TOKEN) tokens.push(event.payload);
    }
    expect(tokens).toEqual(["Hello, World!"]);
  });

  it("forward references by name work like function references", async () => {
    const pipe = new Pipe<{ message: string }>();
    pipe.step(
      "greet",
      ({ state }) => {
        state.message = "Hello";
      },
      { to: "respond" },
    );
    pipe.step("respond", async function* ({ state }) {
      yield `${state.message}, World!`;
    });
    const events = await collect(pipe.run({ message: "" }));
    expect(events.filter((e) => e.type === EventType.TOKEN).map((e) => e.payload)).toEqual(["Hello, World!"]);
  });

  it("parallel fetches join at an implicit barrier with a barrier timeout", async () => {
    interface State {
      a?: number;
      b?: number;
      result?: number;
    }
    const fetchFromApiA = async () => 40;
    const fetchFromApiB = async () => 2;
    const pipe = new Pipe<State>();
    const combine = pipe.step(
      "combine",
      async ({ state }) => {
        state.result = state.a! + state.b!;
      },
      { barrierTimeout: 5000 },
    );
    const fetchA = pipe.step(
      "fetch_a",
      async ({ state }) => {
        state.a = await fetchFromApiA();
      },
      { to: combine },
    );
    const fetchB = pipe.step(
      "fetch_b",
      async ({ state }) => {
        state.b = await fetchFromApiB();
      },
      { to: combine },
    );
    pipe.step("start", async () => {}, { to: [fetchA, fetchB] });
    const state: State = {};
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.result).toBe(42);
  });

  it("a streaming step yields TOKEN events", async () => {
    const generateResponse = () => ["Once", " upon", " a", " time"];
    const pipe = new Pipe();
    pipe.step("stream", async function* () {
      for (const chunk of generateResponse()) yield chunk;
    });
    const events = await collect(pipe.run(undefined));
    expect(
      events
        .filter((e) => e.type === EventType.TOKEN)
        .map((e) => e.payload)
        .join(""),
    ).toBe("Once upon a time");
  });

  it("matches on event types and reads the terminal status", async () => {
    const pipe = new Pipe();
    pipe.step("work", () => {});
    const seen: string[] = [];
    let end: PipelineEndData | undefined;
    for await (const event of pipe.run(undefined, { timeout: 1000 })) {
      switch (event.type) {
        case EventType.STEP_START:
          seen.push(`Starting ${event.stage}`);
          break;
        case EventType.FINISH:
          end = event.payload;
          break;
      }
    }
    expect(seen).toEqual(["Starting work"]);
    expect(end?.status).toBe(PipelineTerminalStatus.SUCCESS);
  });
});
