/**
 * Issue 15, defect 3 (the type half): when the Context type does not admit `undefined`, `run()`
 * and `invoke()` require their options, with `context`.
 */
import { describe, expectTypeOf, it } from "vitest";
import { Pipe, type RunArguments, type RunOptions } from "../../src/index.js";

interface State {
  question: string;
}
interface Context {
  userId: string;
}

describe("context is required exactly when the Context type does not admit undefined", () => {
  it("a required context: run() and invoke() without it are type errors", () => {
    const pipe = new Pipe<State, Context>();
    // @ts-expect-error: the run needs a context
    pipe.run({ question: "" });
    // @ts-expect-error: the options need `context`
    pipe.run({ question: "" }, { timeout: 1000 });
    // @ts-expect-error: and for invoke()
    void pipe.invoke({ question: "" });
    // @ts-expect-error: a context of the wrong shape
    pipe.run({ question: "" }, { context: { user: "u1" } });
    pipe.run({ question: "" }, { context: { userId: "u1" }, timeout: 1000 });
    void pipe.invoke({ question: "" }, { context: { userId: "u1" }, throwOnFailure: false });
  });

  it("no context type, or one that admits undefined: the options stay optional", () => {
    new Pipe<State>().run({ question: "" });
    void new Pipe<State>().invoke({ question: "" });
    new Pipe<State, Context | undefined>().run({ question: "" });
    new Pipe<State, unknown>().run({ question: "" });
    expectTypeOf<RunArguments<undefined>>().toEqualTypeOf<[options?: RunOptions<undefined>]>();
    expectTypeOf<RunArguments<Context>>().toEqualTypeOf<
      [options: RunOptions<Context> & { context: Context }]
    >();
  });
});
