import { describe, expectTypeOf, it } from "vitest";
import type { Clock } from "../../src/index.js";
import {
  EventType,
  Pipe,
  type PipeEvent,
  type PipelineEndData,
  type StepArgs,
  type StepErrorPayload,
} from "../../src/index.js";
import {
  type MockCall,
  SimulatedClock,
  type StepMock,
  TestPipe,
  type TestResult,
} from "../../src/testing/index.js";

interface State {
  urls: string[];
  pages: string[];
}
interface Context {
  apiKey: string;
}

const pipe = new Pipe<State, Context>({ name: "types" });

describe("StepArgs narrowing", () => {
  it("types state and context in a step", () => {
    pipe.step("plain", ({ state, ctx, item, stepName, attempt, signal }) => {
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(ctx).toEqualTypeOf<Context>();
      expectTypeOf(item).toBeUnknown();
      expectTypeOf(stepName).toBeString();
      expectTypeOf(attempt).toBeNumber();
      expectTypeOf(signal).toEqualTypeOf<AbortSignal>();
    });
  });

  it("types a map worker's item through pipe.step<Item>()", () => {
    pipe.step<string>("fetchOne", async ({ item, state }) => {
      expectTypeOf(item).toEqualTypeOf<string>();
      state.pages.push(item);
    });
    pipe.map("fan", ({ state }) => state.urls, { each: "fetchOne" });
  });

  it("types a streaming step's arguments", () => {
    pipe.step("stream", async function* ({ state, ctx }) {
      expectTypeOf(state.urls).toEqualTypeOf<string[]>();
      expectTypeOf(ctx.apiKey).toBeString();
      yield "token";
    });
  });

  it("StepArgs is generic in state, context and item", () => {
    expectTypeOf<StepArgs<State, Context, number>["item"]>().toEqualTypeOf<number>();
    expectTypeOf<StepArgs<State, Context>["ctx"]>().toEqualTypeOf<Context>();
  });

  it("rejects wrong usage", () => {
    pipe.step("wrong", ({ state }) => {
      // @ts-expect-error `missing` is not a field of State
      state.missing = 1;
    });
    pipe.step<number>("wrongItem", ({ item }) => {
      // @ts-expect-error a number item has no string methods
      item.toUpperCase();
    });
  });
});

describe("event narrowing", () => {
  it("narrows FINISH to PipelineEndData and START to the state", async () => {
    for await (const event of pipe.run({ urls: [], pages: [] }, { context: { apiKey: "k" } })) {
      expectTypeOf(event).toEqualTypeOf<PipeEvent<State>>();
      if (event.type === EventType.FINISH) expectTypeOf(event.payload).toEqualTypeOf<PipelineEndData>();
      if (event.type === EventType.START) expectTypeOf(event.payload).toEqualTypeOf<State>();
      if (event.type === EventType.STEP_ERROR) expectTypeOf(event.payload).toEqualTypeOf<StepErrorPayload>();
      // @ts-expect-error a payload is not known before narrowing on `type`
      event.payload.status;
    }
  });
});

describe("justpipe/testing", () => {
  it("types mocks by the pipe's state and context, and by the item", () => {
    const tester = new TestPipe(pipe);
    expectTypeOf(tester).toEqualTypeOf<TestPipe<State, Context>>();

    const worker = tester.mock<string>("fetchOne", ({ item, state, ctx }) => {
      expectTypeOf(item).toEqualTypeOf<string>();
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(ctx).toEqualTypeOf<Context>();
    });
    expectTypeOf(worker).toEqualTypeOf<StepMock<State, Context, string>>();
    expectTypeOf(worker.calls).toEqualTypeOf<readonly MockCall<State, Context, string>[]>();
    worker.assertCalledWith({ item: "https://example.com" });
    // @ts-expect-error the item is a string
    worker.assertCalledWith({ item: 3 });
    // @ts-expect-error pass the state as { state }, not the state itself
    worker.assertCalledWith({ urls: [] });

    tester.mock("stream", async function* () {
      yield "mocked";
    });
    // @ts-expect-error a step is a name or a handler
    tester.mock(42);
  });

  it("types the result by the pipe's state", async () => {
    const tester = new TestPipe(pipe);
    const result = await tester.run({ urls: [], pages: [] }, { context: { apiKey: "k" }, timeout: 1_000 });
    expectTypeOf(result).toEqualTypeOf<TestResult<State>>();
    expectTypeOf(result.finalState).toEqualTypeOf<State>();
    expectTypeOf(result.finish).toEqualTypeOf<PipelineEndData>();
    expectTypeOf(result.eventsOf(EventType.FINISH)[0]!.payload).toEqualTypeOf<PipelineEndData>();
    expectTypeOf(result.eventsOf(EventType.SUSPEND)[0]!.payload.reason).toBeString();
    // @ts-expect-error the context must match the pipe's Context
    await tester.run({ urls: [], pages: [] }, { context: { apiKey: 1 } });
    // @ts-expect-error the state must match the pipe's State
    await tester.run({ urls: "nope", pages: [] });
  });

  it("SimulatedClock is a Clock", () => {
    expectTypeOf(new SimulatedClock()).toExtend<Clock>();
    expectTypeOf(new SimulatedClock().advance(10)).toEqualTypeOf<Promise<void>>();
  });
});
