// justpipe, written against the public API contract (shared/API.md), imported from the built dist/.
import { assertCount, type Impl, justpipeEntry } from "./common.js";

const { Pipe, EventType }: typeof import("../../dist/index.js") = await import(justpipeEntry());

/** Drains one run, counting tokens, and throws unless it finished with status "success". */
async function drain(events: AsyncIterable<any>, onToken?: (token: unknown) => void): Promise<void> {
  let status: string | undefined;
  let error: unknown;
  for await (const event of events) {
    if (event.type === EventType.TOKEN) onToken?.(event.payload);
    else if (event.type === EventType.FINISH) {
      status = event.payload.status;
      error = event.payload.error;
    }
  }
  if (status !== "success") throw new Error(`run finished with status ${status}: ${String(error)}`);
}

export const impl: Impl = {
  async chain(steps) {
    const pipe = new Pipe<{ count: number }>({ name: "w1" });
    for (let i = 0; i < steps; i++) {
      const step = async ({ state }: { state: { count: number } }) => {
        state.count++;
      };
      pipe.step(`s${i}`, step, i + 1 < steps ? { to: `s${i + 1}` } : {});
    }
    return async () => {
      const state = { count: 0 };
      await drain(pipe.run(state));
      assertCount("steps run", state.count, steps);
    };
  },

  async fanout(branches) {
    type S = { count: number };
    const pipe = new Pipe<S>({ name: "w2" });
    const names = Array.from({ length: branches }, (_, i) => `b${i}`);
    const noop = async ({ state }: { state: S }) => {
      state.count++;
    };
    pipe.step("start", noop, { to: names });
    for (const name of names) pipe.step(name, noop, { to: "join" });
    pipe.step("join", noop);
    return async () => {
      const state = { count: 0 };
      await drain(pipe.run(state));
      assertCount("steps run", state.count, branches + 2);
    };
  },

  async map(items) {
    type S = { count: number; done: boolean };
    const pipe = new Pipe<S>({ name: "w3" });
    pipe.map("fan", () => items, { each: "work", to: "done" });
    pipe.step("work", async ({ state }: { state: S }) => {
      state.count++;
    });
    pipe.step("done", async ({ state }: { state: S }) => {
      state.done = true;
    });
    return async () => {
      const state = { count: 0, done: false };
      await drain(pipe.run(state));
      assertCount("items processed", state.count, items.length);
      if (!state.done) throw new Error("the join step did not run");
    };
  },

  async stream() {
    const pipe = new Pipe<{ tokens: number }>({ name: "w4" });
    pipe.step("gen", async function* ({ state }: { state: { tokens: number } }) {
      for (let i = 0; i < state.tokens; i++) yield i;
    });
    return (tokens, onToken) => drain(pipe.run({ tokens }), onToken);
  },

  async mapStream(source, total, concurrency) {
    type S = { count: number; done: boolean };
    const pipe = new Pipe<S>({ name: "w5" });
    pipe.map("fan", () => source(), { each: "work", to: "done", maxConcurrency: concurrency });
    pipe.step("work", async ({ state }: { state: S }) => {
      state.count++;
    });
    pipe.step("done", async ({ state }: { state: S }) => {
      state.done = true;
    });
    return async () => {
      const state = { count: 0, done: false };
      await drain(pipe.run(state));
      assertCount("items processed", state.count, total);
      if (!state.done) throw new Error("the join step did not run");
    };
  },
};
