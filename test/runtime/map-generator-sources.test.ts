/**
 * Issue 15, defect 2: `pipe.map("m", function* () { yield 1 }, { each: "w" })` type-checked, then
 * registration threw "Streaming steps must be async generators", though a map handler may return a
 * generator. A map's handler may now be a sync or an async generator function: its yields are the
 * items, pulled lazily. Other kinds still reject a sync generator, with a message for their kind.
 */
import { describe, expect, it } from "vitest";
import { DefinitionError, EventType, Pipe } from "../../src/index.js";
import { collect } from "../helpers.js";

describe("generator functions as map item sources", () => {
  it("a sync generator function's yields are the items, pulled lazily", async () => {
    const pipe = new Pipe<{ seen: number[]; pulled: number }>({ name: "sync-source" });
    pipe.map(
      "fan",
      function* ({ state }) {
        for (let n = 1; n <= 3; n++) {
          state.pulled = n;
          yield n * 10;
        }
      },
      { each: "work", maxConcurrency: 1 },
    );
    pipe.step<number>("work", ({ item, state }) => {
      expect(state.pulled).toBe(item / 10); // the next item is not pulled before this worker starts
      state.seen.push(item);
    });
    const state = { seen: [] as number[], pulled: 0 };
    const events = await collect(pipe.run(state));
    expect(state.seen).toEqual([10, 20, 30]);
    expect(events.find((e) => e.type === EventType.MAP_START)?.payload).toEqual({ target: "work" });
    expect(events.find((e) => e.type === EventType.MAP_COMPLETE)?.payload).toEqual({
      target: "work",
      itemCount: 3,
    });
    expect(events.filter((e) => e.type === EventType.TOKEN)).toEqual([]);
  });

  it("an async generator function's yields are the items too (not tokens)", async () => {
    const pipe = new Pipe<{ seen: string[] }>({ name: "async-source" });
    pipe.map(
      "fan",
      async function* () {
        yield "a";
        await Promise.resolve();
        yield "b";
      },
      { each: "work" },
    );
    pipe.step<string>("work", ({ item, state }) => void state.seen.push(item));
    const state = { seen: [] as string[] };
    const events = await collect(pipe.run(state));
    expect(state.seen.sort()).toEqual(["a", "b"]);
    expect(events.filter((e) => e.type === EventType.TOKEN)).toEqual([]);
  });

  it("a step, switch or sub that is a sync generator is still rejected, with its kind's fix", () => {
    const pipe = new Pipe();
    const generator = function* () {
      yield 1;
    };
    expect(() => pipe.step("s", generator as never)).toThrow(
      "Step 's' is a sync generator function (function*). Streaming steps must be async generators: use `async function*`.",
    );
    expect(() => pipe.switch("w", generator as never, { to: { a: "a" } })).toThrow(DefinitionError);
    expect(() => pipe.switch("w", generator as never, { to: { a: "a" } })).toThrow(
      "Switch 'w' is a sync generator function (function*): a switch returns the key of its route. Use a plain or async function.",
    );
  });
});
