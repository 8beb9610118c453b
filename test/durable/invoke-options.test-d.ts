/**
 * Issue 14, gap 5: `pipe.invoke(state, options)` takes the durable options `run()` takes (store,
 * runId, durability, labels, codec, persist, leaseTtl), with and without a required context.
 */
import { describe, expectTypeOf, it } from "vitest";
import { type InvokeResult, MemoryStore, Pipe } from "../../src/index.js";

interface State {
  n: number;
}

describe("invoke() accepts the durable run options", () => {
  it("store, runId, durability, labels, codec, persist and leaseTtl type-check on invoke()", () => {
    const store = new MemoryStore();
    const pipe = new Pipe<State>({ name: "p" });
    const result = pipe.invoke(
      { n: 0 },
      {
        store,
        runId: "order-1",
        durability: "step",
        labels: { module: "./p.ts" },
        persist: { tokens: "none" },
        leaseTtl: 5000,
        throwOnFailure: false,
      },
    );
    expectTypeOf(result).toEqualTypeOf<Promise<InvokeResult<State, unknown>>>();
    // @ts-expect-error: durability is one of "exit", "step", "sync"
    void pipe.invoke({ n: 0 }, { store, durability: "always" });
  });

  it("with a required context, the durable options go with it", () => {
    const pipe = new Pipe<State, { userId: string }>({ name: "q" });
    void pipe.invoke({ n: 0 }, { context: { userId: "u" }, store: new MemoryStore(), durability: "sync" });
    // @ts-expect-error: the context is still required
    void pipe.invoke({ n: 0 }, { store: new MemoryStore() });
  });
});
