/**
 * Issue 15, "types that flow": a map's item type reaches its worker, mocks by handler get the
 * step's argument types, and a handler that returns a wrong type is reported with the real cause
 * (checked by `@ts-expect-error` here, and by reading the message in test/types/messages.test.ts).
 */
import { describe, expectTypeOf, it } from "vitest";
import { Pipe, type StepArgs } from "../../src/index.js";
import { TestPipe } from "../../src/testing/index.js";

interface State {
  urls: string[];
  sizes: number[];
}

describe("a map's item type reaches its worker", () => {
  it("types the source's element type into `each` given as a handler", () => {
    const pipe = new Pipe<State>();
    const measure = pipe.step<string>("measure", ({ item, state }) => {
      state.sizes.push(item.length);
    });
    const anyItem = pipe.step("log", ({ item }) => void item);
    pipe.map("fan", ({ state }) => state.urls, { each: measure });
    pipe.map("fan2", ({ state }) => state.urls, { each: anyItem }); // a worker of unknown items takes anything
    pipe.map(
      "numbers",
      function* () {
        yield 1;
      },
      { each: pipe.step<number>("double", ({ item }) => void (item * 2)) },
    );
    const counted = pipe.step<number>("count", ({ item }) => void item.toFixed());
    // @ts-expect-error: the source yields strings, the worker takes numbers
    pipe.map("wrong", ({ state }) => state.urls, { each: counted });
    const letters = async function* () {
      yield "a";
    };
    // @ts-expect-error: and an async source likewise
    pipe.map("wrongAsync", letters, { each: counted });
    pipe.map("byName", ({ state }) => state.urls, { each: "measure" }); // a name is not checked
  });

  it("infers the item type from the source", () => {
    const pipe = new Pipe<State>();
    const fan = pipe.map("fan", ({ state }) => state.sizes, { each: "w" });
    expectTypeOf(fan).returns.toEqualTypeOf<
      Iterable<number> | AsyncIterable<number> | Promise<Iterable<number> | AsyncIterable<number>>
    >();
  });
});

describe("mocks get the step's argument types", () => {
  it("a mock of a registered handler takes that handler's item type", () => {
    const pipe = new Pipe<State, { apiKey: string }>();
    const measure = pipe.step<string>("measure", () => {});
    const tester = new TestPipe(pipe);
    tester.mock(measure, ({ item, state, ctx }) => {
      expectTypeOf(item).toEqualTypeOf<string>();
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(ctx).toEqualTypeOf<{ apiKey: string }>();
    });
    tester.mock(measure, (args: StepArgs<State, { apiKey: string }, string>) => void args.item);
    // @ts-expect-error: the step's item is a string
    tester.mock(measure, ({ item }: StepArgs<State, { apiKey: string }, number>) => void item);
  });
});

describe("a handler that returns a wrong type is a type error on the handler", () => {
  it("for both forms of pipe.step, sync and async", () => {
    const pipe = new Pipe<State>();
    // @ts-expect-error: a number is not a step result
    pipe.step("size", ({ state }) => state.sizes.length);
    // @ts-expect-error: nor a promise of one
    pipe.step("asyncSize", async ({ state }) => state.sizes.length);
    // @ts-expect-error: in the handler-first form too
    pipe.step(function size({ state }) {
      return state.sizes.length;
    });
    pipe.step(
      // @ts-expect-error: with options after the handler too
      function sizeTo({ state }) {
        return state.sizes.length;
      },
      { to: "ok" },
    );
    // @ts-expect-error: and with an item type given
    pipe.step<string>("itemSize", ({ item }) => item.length);
    pipe.step("ok", ({ state }) => (state.urls.length > 0 ? "next" : undefined));
    pipe.step(function okTo() {}, { to: "ok" });
    pipe.step(async function named() {});
  });
});
