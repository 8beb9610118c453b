import { describe, expect, it } from "vitest";
import { DefinitionError, EventType, Pipe, type PipeEvent } from "../../src/index.js";
import { collect, finishOf } from "../helpers.js";

/** Issue 13, item 7: input that used to slip through gets a clear error naming the step and the fix. */

function failureOf(events: readonly PipeEvent<unknown>[]): string {
  const finish = finishOf(events);
  expect(finish.status).toBe("failed");
  return String(finish.errors[0]?.error);
}

describe("retry options", () => {
  it.each([
    ["jitter", { attempts: 2, jitter: Number.NaN }],
    ["factor", { attempts: 2, factor: Number.NaN }],
  ])("refuses retries.%s that is NaN (%o)", (option, retries) => {
    const pipe = new Pipe();
    expect(() => pipe.step("fetch", () => {}, { retries })).toThrow(DefinitionError);
    expect(() => pipe.step("fetch2", () => {}, { retries })).toThrow(
      new RegExp(`'fetch2'.*retries\\.${option}`),
    );
  });

  it.each([
    ["minDelay", { attempts: 2, minDelay: Number.NaN }],
    ["maxDelay", { attempts: 2, maxDelay: Number.NaN }],
    ["jitter", { attempts: 2, jitter: 1.5 }],
    ["factor", { attempts: 2, factor: -1 }],
  ])("refuses retries.%s that is not a usable number (%o)", (option, retries) => {
    const pipe = new Pipe();
    expect(() => pipe.step("fetch", () => {}, { retries })).toThrow(DefinitionError);
    expect(() => pipe.step("fetch2", () => {}, { retries })).toThrow(
      new RegExp(`'fetch2'.*retries\\.${option}`),
    );
  });
});

describe("handlers", () => {
  it("refuses a class passed as a handler, naming the step", () => {
    class Fetcher {
      run() {}
    }
    const pipe = new Pipe();
    expect(() => pipe.step("fetch", Fetcher as never)).toThrow(DefinitionError);
    expect(() => pipe.step("fetch", Fetcher as never)).toThrow(/'fetch'.*class.*(method|function)/);
  });
});

/** An iterable whose next() returns `bad()` three times, then ends (so a run that accepts it still ends). */
function badSource(bad: () => unknown): never {
  let calls = 0;
  return { [Symbol.iterator]: () => ({ next: () => (++calls > 3 ? { done: true } : bad()) }) } as never;
}

function badAsyncSource(bad: () => unknown): never {
  let calls = 0;
  return {
    [Symbol.asyncIterator]: () => ({ next: async () => (++calls > 3 ? { done: true } : bad()) }),
  } as never;
}

describe("map sources", () => {
  it("fails the map when its iterator's next() returns a non-object", async () => {
    const pipe = new Pipe({ name: "bad-source" });
    pipe.map("fan", () => badSource(() => 42), { each: "work" });
    let calls = 0;
    pipe.step("work", () => void calls++);
    const events = await collect(pipe.run({}));
    expect(failureOf(events)).toMatch(/'fan'.*next\(\).*returned .*42.*\{ value, done \}/);
    expect(calls).toBe(0);
  });

  it("fails the map when its async iterator's next() resolves to a non-object", async () => {
    const pipe = new Pipe({ name: "bad-async-source" });
    pipe.map("fan", () => badAsyncSource(() => 42), { each: "work" });
    pipe.step("work", () => {});
    const events = await collect(pipe.run({}));
    expect(failureOf(events)).toMatch(/'fan'.*next\(\).*returned .*42/);
  });

  it("fails the map clearly when its iterator has no next function", async () => {
    const pipe = new Pipe({ name: "no-next" });
    pipe.map("fan", () => ({ [Symbol.iterator]: () => ({ next: 1 }) }) as never, { each: "work" });
    pipe.step("work", () => {});
    const events = await collect(pipe.run({}));
    const message = failureOf(events);
    expect(message).toMatch(/'fan'.*iterator.*no next\(\) method/);
    expect(message).not.toMatch(/is not a function/);
  });

  it("refuses a String object as it refuses a string", async () => {
    for (const source of ["abc", new String("abc")]) {
      const pipe = new Pipe({ name: "string-source" });
      pipe.map("fan", () => source as never, { each: "work" });
      const items: unknown[] = [];
      pipe.step("work", ({ item }) => void items.push(item));
      const events = await collect(pipe.run({}));
      expect(failureOf(events)).toMatch(/'fan'.*must return an Iterable/);
      expect(items).toEqual([]);
      expect(events.some((e) => e.type === EventType.MAP_START)).toBe(false);
    }
  });
});
