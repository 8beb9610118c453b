import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe, PipeFrozenError } from "../../src/index.js";
import { collect } from "../helpers.js";

describe("registration", () => {
  it("returns the handler it was given, so it can be a target and be called directly", () => {
    const pipe = new Pipe<{ n: number }>();
    const handler = ({ state }: { state: { n: number } }) => {
      state.n++;
    };
    expect(pipe.step("inc", handler)).toBe(handler);
    const state = { n: 0 };
    handler({ state });
    expect(state.n).toBe(1);
  });

  it("names a step after its function when no name is given", () => {
    const pipe = new Pipe();
    pipe.step(async function fetchUser() {});
    expect(pipe.steps().map((s) => s.name)).toEqual(["fetchUser"]);
  });

  it("rejects an anonymous handler and says how to name it", () => {
    const pipe = new Pipe();
    expect(() => pipe.step(() => {})).toThrow(DefinitionError);
    expect(() => pipe.step(() => {})).toThrow(/anonymous handler.*pipe\.step\("myStep", handler\)/);
  });

  it("rejects duplicate names, naming the step", () => {
    const pipe = new Pipe();
    pipe.step("a", () => {});
    const error = (() => {
      try {
        pipe.step("a", () => {});
      } catch (e) {
        return e as DefinitionError;
      }
    })();
    expect(error).toBeInstanceOf(DefinitionError);
    expect(error?.stepName).toBe("a");
    expect(error?.message).toMatch(/Step 'a' is already registered/);
  });

  it("rejects sync generator functions with a fix", () => {
    const pipe = new Pipe();
    expect(() =>
      pipe.step("gen", function* () {
        yield 1;
      } as never),
    ).toThrow(/async function\*/);
  });

  it.each([
    [{ retries: -1 }, /Expected `retries` to be an integer >= 0, got `-1` \(number\)/i],
    [{ timeout: 0 }, /`timeout` to be a number of milliseconds > 0, got `0`/],
    [{ barrierType: "some" }, /`barrierType` to be 'all' or 'any'/],
    [{ to: 42 }, /`to` to be a step name, a registered handler, or an array of them/],
    [{ to: { a: "b" } }, /only `pipe.switch` takes a routing table/],
    [{ onError: "nope" }, /`onError` to be a function/],
    [{ retries: { attempts: 2, factor: 0.5 } }, /`retries.factor` to be a number >= 1/],
  ])("validates options eagerly: %o", (options, message) => {
    const pipe = new Pipe();
    expect(() => pipe.step("s", () => {}, options as never)).toThrow(message);
  });

  it("validates Pipe options", () => {
    expect(() => new Pipe({ queueSize: -1 })).toThrow(/queueSize/);
    expect(() => new Pipe({ maxRetries: 0 })).toThrow(/maxRetries/);
    expect(() => new Pipe({ name: "" })).toThrow(/name/);
  });

  it("requires map `each`, switch `to` and sub `pipeline`", () => {
    const pipe = new Pipe();
    expect(() => pipe.map("m", () => [], {} as never)).toThrow(/needs an `each` option/);
    expect(() => pipe.switch("s", () => "x", {} as never)).toThrow(/needs a `to` routing table/);
    expect(() => pipe.sub("u", () => ({}), {} as never)).toThrow(/needs a `pipeline` option/);
    expect(() => pipe.sub("self", () => ({}), { pipeline: pipe })).toThrow(/cannot run its own pipe/);
  });

  it("hook registrations return a function that removes them", async () => {
    const pipe = new Pipe();
    const calls: string[] = [];
    const remove = pipe.onStartup(() => {
      calls.push("startup");
    });
    pipe.step("a", () => {});
    remove();
    await collect(pipe.run(undefined));
    expect(calls).toEqual([]);
  });
});

describe("definition freeze", () => {
  it("freezes after the first run is set up and says to create a new Pipe", async () => {
    const pipe = new Pipe();
    pipe.step("a", () => {});
    await collect(pipe.run(undefined));
    expect(() => pipe.step("b", () => {})).toThrow(PipeFrozenError);
    expect(() => pipe.step("b", () => {})).toThrow(/Create a new Pipe/);
    expect(() => pipe.onStartup(() => {})).toThrow(PipeFrozenError);
    expect(() => pipe.addMiddleware((next) => next)).toThrow(PipeFrozenError);
    expect(() => pipe.addObserver({})).toThrow(PipeFrozenError);
    expect(() => pipe.addEventHook((e) => e)).toThrow(PipeFrozenError);
    expect(() => pipe.onError(() => {})).toThrow(PipeFrozenError);
  });

  it("keeps read-only introspection working after the freeze", async () => {
    const pipe = new Pipe();
    pipe.step("b", () => {});
    pipe.step("a", () => {}, { to: "b" });
    await collect(pipe.run(undefined));
    expect(pipe.topology()).toEqual({ a: ["b"] });
    expect(pipe.steps().map((s) => [s.name, s.targets])).toEqual([
      ["b", []],
      ["a", ["b"]],
    ]);
    expect(() => pipe.validate()).not.toThrow();
  });

  it("does not freeze when validation fails, so the definition can be fixed", async () => {
    const pipe = new Pipe();
    pipe.step("a", () => {}, { to: "missing" });
    await expect(collect(pipe.run(undefined))).rejects.toThrow(DefinitionError);
    pipe.step("missing", () => {});
    const events = await collect(pipe.run(undefined));
    expect(events.at(-1)?.type).toBe("finish");
  });
});

describe("join options", () => {
  it("rejects barrierTimeout on an 'any' join, which never waits", () => {
    const pipe = new Pipe();
    expect(() => pipe.step("j", () => {}, { barrierType: "any", barrierTimeout: 100 })).toThrow(
      /`barrierTimeout` applies to joins that wait for all parents/,
    );
  });

  it("takes exactly one step for `each`, `default` and each routing-table entry", () => {
    const pipe = new Pipe();
    const one = /expected `each` to be one step name or registered handler, got `\["a","b"\]` \(object\)/;
    expect(() => pipe.map("m", () => [], { each: ["a", "b"] as never })).toThrow(one);
    expect(() => pipe.switch("s", () => "x", { to: { x: "a" }, default: ["a", "b"] as never })).toThrow(
      /expected `default` to be one step name or registered handler/,
    );
    expect(() => pipe.switch("t", () => "x", { to: { x: ["a", "b"] as never } })).toThrow(
      /expected `to\['x'\]` to be one step name or registered handler/,
    );
  });

  it("takes only functions as hooks, error handlers, middleware and event hooks", () => {
    const pipe = new Pipe({ name: "hooks" });
    const message = /^Pipe 'hooks': expected `startup hook` to be a function, got `\{\}` \(object\)\.$/;
    expect(() => pipe.onStartup({} as never)).toThrow(message);
    expect(() => pipe.onShutdown({} as never)).toThrow(/expected `shutdown hook` to be a function/);
    expect(() => pipe.addMiddleware({} as never)).toThrow(/expected `middleware` to be a function/);
    expect(() => pipe.addObserver({ onEvent: () => {} })).not.toThrow();
  });
});
