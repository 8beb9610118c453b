// The floor: what the same work costs as hand-written async code, no library.
import { assertCount, type Impl } from "./common.js";

type Step = (state: { count: number }) => Promise<void>;

export const impl: Impl = {
  async chain(steps) {
    const chain: Step[] = Array.from({ length: steps }, () => async (state) => {
      state.count++;
    });
    return async () => {
      const state = { count: 0 };
      for (const step of chain) await step(state);
      assertCount("steps run", state.count, steps);
    };
  },

  async fanout(branches) {
    const noop: Step = async (state) => {
      state.count++;
    };
    const parallel: Step[] = Array.from({ length: branches }, () => noop);
    return async () => {
      const state = { count: 0 };
      await noop(state);
      await Promise.all(parallel.map((branch) => branch(state)));
      await noop(state);
      assertCount("steps run", state.count, branches + 2);
    };
  },

  async map(items) {
    return async () => {
      const state = { count: 0, done: false };
      const work = async (_item: number) => {
        state.count++;
      };
      await Promise.all(items.map(work));
      const done = async () => {
        state.done = true;
      };
      await done();
      assertCount("items processed", state.count, items.length);
    };
  },

  async stream() {
    async function* gen(tokens: number) {
      for (let i = 0; i < tokens; i++) yield i;
    }
    return async (tokens, onToken) => {
      for await (const token of gen(tokens)) onToken(token);
    };
  },

  async mapStream(source, total, concurrency) {
    return async () => {
      let count = 0;
      const work = async (_item: number) => {
        count++;
      };
      const it = source()[Symbol.asyncIterator]();
      const worker = async () => {
        for (let next = await it.next(); !next.done; next = await it.next()) await work(next.value);
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      assertCount("items processed", count, total);
    };
  },
};
