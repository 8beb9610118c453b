/**
 * Issue 15, "types that flow": `Pipe<State, Context, Token>` types what streaming steps may yield
 * and the `TOKEN` payloads a run, `invoke()` and `readEvents()` give back.
 */
import { describe, expectTypeOf, it } from "vitest";
import { readEvents } from "../../src/http/index.js";
import { EventType, Pipe, type PipeEvent } from "../../src/index.js";
import { TestPipe } from "../../src/testing/index.js";

interface State {
  question: string;
}

describe("the Token type parameter", () => {
  it("types TOKEN payloads of run() and invoke()", async () => {
    const pipe = new Pipe<State, undefined, string>({ name: "llm" });
    pipe.step("answer", async function* ({ state }) {
      yield `You asked ${state.question}`;
    });
    for await (const event of pipe.run({ question: "" })) {
      expectTypeOf(event).toEqualTypeOf<PipeEvent<State, string>>();
      if (event.type === EventType.TOKEN) expectTypeOf(event.payload).toEqualTypeOf<string>();
    }
    const { tokens } = await pipe.invoke({ question: "" });
    expectTypeOf(tokens).toEqualTypeOf<string[]>();
  });

  it("a streaming step may only yield the Token type", () => {
    const pipe = new Pipe<State, undefined, string>();
    // @ts-expect-error: a number is not a string token
    pipe.step("count", async function* () {
      yield 42;
    });
    pipe.step("text", async function* () {
      yield "ok";
    });
  });

  it("stays unknown by default, and readEvents takes it too", async () => {
    for await (const event of new Pipe<State>().run({ question: "" })) {
      if (event.type === EventType.TOKEN) expectTypeOf(event.payload).toBeUnknown();
    }
    for await (const event of readEvents<State, string>(new Response(""))) {
      if (event.type === EventType.TOKEN) expectTypeOf(event.payload).toEqualTypeOf<string>();
    }
  });

  it("a typed pipe still goes into TestPipe", () => {
    const pipe = new Pipe<State, undefined, string>();
    expectTypeOf(new TestPipe(pipe)).toEqualTypeOf<TestPipe<State, undefined>>();
  });
});
