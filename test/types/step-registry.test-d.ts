/**
 * Issue 15, "types that flow": the step registry (`Pipe`'s fourth type parameter) gives steps
 * registered by a declared name, and `TestPipe` mocks by that name, their argument types: a map
 * worker's item, a streaming step's token. Registration stays statement-style (nothing chained).
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  EventType,
  isStepToken,
  Pipe,
  type StepArgs,
  type StepItem,
  type StepToken,
} from "../../src/index.js";
import { type MockCall, TestPipe } from "../../src/testing/index.js";

interface State {
  urls: string[];
  sizes: number[];
  answer: string;
}
interface Context {
  apiKey: string;
}
interface Citation {
  url: string;
}
interface Steps {
  measure: { item: string };
  count: { item: number };
  answer: { token: string };
  cite: { token: Citation };
  child: { item: string };
}

function definePipe() {
  const pipe = new Pipe<State, Context, string | Citation, Steps>({ name: "typed" });
  // Statement-style registration: each call stands alone, in any order.
  pipe.map("fan", ({ state }) => state.urls, { each: "measure", to: "answer" });
  pipe.step("measure", ({ item, state, ctx }) => {
    expectTypeOf(item).toEqualTypeOf<string>();
    expectTypeOf(state).toEqualTypeOf<State>();
    expectTypeOf(ctx).toEqualTypeOf<Context>();
    state.sizes.push(item.length);
  });
  pipe.step("answer", async function* ({ state }) {
    yield state.answer;
  });
  pipe.step("cite", async function* () {
    yield { url: "https://example.com" };
  });
  pipe.step("other", ({ item }) => {
    expectTypeOf(item).toBeUnknown(); // an undeclared name keeps the default
  });
  pipe.step<number>("explicit", ({ item }) => {
    expectTypeOf(item).toEqualTypeOf<number>(); // and pipe.step<Item> still types it
  });
  return pipe;
}

describe("the step registry types steps registered by a declared name", () => {
  it("types a worker's item and checks what a streaming step yields", () => {
    const pipe = definePipe();
    // @ts-expect-error: "count" takes numbers, so its item is not a string
    pipe.step("count", ({ item }: StepArgs<State, Context, string>) => void item);
    // @ts-expect-error: "answer" streams strings, not citations
    pipe.step("answer2" as "answer", async function* () {
      yield { url: "x" };
    });
    // @ts-expect-error: "cite" streams citations, not strings
    pipe.step("cite2" as "cite", async function* () {
      yield "text";
    });
  });

  it("types a sub step's item when it is a declared worker", () => {
    const pipe = new Pipe<State, Context, unknown, Steps>();
    const child = new Pipe<{ url: string }, Context>();
    pipe.sub(
      "child",
      ({ item }) => {
        expectTypeOf(item).toEqualTypeOf<string>();
        return { url: item };
      },
      { pipeline: child },
    );
  });

  it("a pipe with a registry nests in any pipe as a sub-pipeline", () => {
    new Pipe<{ id: string }>().sub("typed", () => ({ urls: [], sizes: [], answer: "" }), {
      pipeline: definePipe(),
    });
  });

  it("a declared token must be one of the Pipe's token types", () => {
    // @ts-expect-error: the Pipe streams strings only, the registry says "cite" streams citations
    new Pipe<State, Context, string, Steps>();
    new Pipe<State, Context, string | Citation, Steps>();
  });

  it("exposes the lookups it uses", () => {
    expectTypeOf<StepItem<Steps, "measure">>().toEqualTypeOf<string>();
    expectTypeOf<StepItem<Steps, "answer", boolean>>().toEqualTypeOf<boolean>();
    expectTypeOf<StepItem<Steps, "undeclared", boolean>>().toEqualTypeOf<boolean>();
    expectTypeOf<StepToken<Steps, "cite">>().toEqualTypeOf<Citation>();
    expectTypeOf<StepToken<Steps, "measure", string>>().toEqualTypeOf<string>();
  });

  it("the run's TOKEN payloads keep the Pipe's token type", async () => {
    for await (const event of definePipe().run(
      { urls: [], sizes: [], answer: "" },
      { context: { apiKey: "k" } },
    )) {
      if (event.type === EventType.TOKEN) expectTypeOf(event.payload).toEqualTypeOf<string | Citation>();
    }
  });
});

describe("mocks registered by name get the step's argument types", () => {
  it("a declared name: State, Context and the registry's item", () => {
    const tester = new TestPipe(definePipe());
    expectTypeOf(tester).toEqualTypeOf<TestPipe<State, Context, Steps>>();
    const measure = tester.mock("measure", ({ item, state, ctx }) => {
      expectTypeOf(item).toEqualTypeOf<string>();
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(ctx).toEqualTypeOf<Context>();
    });
    expectTypeOf(measure.calls[0]!).toEqualTypeOf<MockCall<State, Context, string>>();
    // @ts-expect-error: the step's item is a string
    tester.mock("measure", ({ item }: StepArgs<State, Context, number>) => void item);
  });

  it("an undeclared name: State and Context, and the item given as mock<Item>(name)", () => {
    const pipe = new Pipe<State, Context>();
    pipe.step<string>("worker", () => {});
    const tester = new TestPipe(pipe);
    tester.mock("worker", ({ state, ctx }) => {
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(ctx).toEqualTypeOf<Context>();
    });
    tester.mock<string>("worker", ({ item }) => {
      expectTypeOf(item).toEqualTypeOf<string>();
    });
    // @ts-expect-error: the pipe's state has no `missing`
    tester.mock("worker", ({ state }) => state.missing);
  });
});

describe("isStepToken narrows a TOKEN to what its step streams", () => {
  it("by the registry's token type of the named step", async () => {
    const pipe = definePipe();
    for await (const event of pipe.run({ urls: [], sizes: [], answer: "" }, { context: { apiKey: "k" } })) {
      if (isStepToken(pipe, event, "answer")) {
        expectTypeOf(event.payload).toEqualTypeOf<string>();
        expectTypeOf(event.type).toEqualTypeOf<"token">();
      }
      if (isStepToken(pipe, event, "cite")) expectTypeOf(event.payload).toEqualTypeOf<Citation>();
      // @ts-expect-error: not a declared step
      isStepToken(pipe, event, "nope");
    }
  });
});
