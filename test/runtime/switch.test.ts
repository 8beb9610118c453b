import { describe, expect, it } from "vitest";
import { EventType, Pipe, Stop } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf, trace } from "../helpers.js";

enum Verdict {
  Good = "good",
  Bad = "bad",
}

describe("switch", () => {
  it("routes by the handler's return value through the table", async () => {
    const pipe = new Pipe<{ value: number; handled?: string }>();
    pipe.step("positive_handler", ({ state }) => {
      state.handled = "pos";
    });
    pipe.step("negative_handler", ({ state }) => {
      state.handled = "neg";
    });
    pipe.switch("decide", ({ state }) => (state.value > 0 ? "pos" : "neg"), {
      to: { pos: "positive_handler", neg: "negative_handler" },
    });
    const state: { value: number; handled?: string } = { value: -3 };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.handled).toBe("neg");
    const t = trace(events);
    expect(t.indexOf("step_end:decide")).toBeLessThan(t.indexOf("step_start:negative_handler"));
    const routed = events.find((e) => e.type === EventType.STEP_START && e.stage === "negative_handler")!;
    expect(routed.parentInvocationId).toBe(events.find((e) => e.stage === "decide")!.invocationId);
  });

  it("routes numbers, booleans and enum values", async () => {
    const seen: string[] = [];
    for (const [value, expected] of [
      [1, "one"],
      [true, "yes"],
      [Verdict.Bad, "bad"],
    ] as const) {
      const pipe = new Pipe();
      for (const n of ["one", "two", "yes", "no", "good", "bad"]) pipe.step(n, () => void seen.push(n));
      pipe.switch("s", () => value, {
        to: { 1: "one", 2: "two", true: "yes", false: "no", [Verdict.Good]: "good", [Verdict.Bad]: "bad" },
      });
      await collect(pipe.run(undefined, { start: "s" }));
      expect(seen.at(-1)).toBe(expected);
    }
  });

  it("takes the default route, and ends the run on a Stop route", async () => {
    const pipe = new Pipe<{ ran: string[] }>();
    pipe.step("fallback", ({ state }) => void state.ran.push("fallback"));
    pipe.switch("s", () => "unknown", { to: { x: "fallback" }, default: "fallback" });
    const state = { ran: [] as string[] };
    await collect(pipe.run(state));
    expect(state.ran).toEqual(["fallback"]);

    const stopping = new Pipe();
    stopping.step("never", () => {});
    stopping.switch("s", () => "done", { to: { done: Stop, more: "never" } });
    const events = await collect(stopping.run(undefined));
    assertRunInvariants(events);
    expect(finishOf(events).status).toBe("success");
    expect(trace(events, ["step_start"])).toEqual(["step_start:s"]);
  });

  it("routes with a function", async () => {
    const pipe = new Pipe<{ n: number; hit?: string }>();
    pipe.step("big", ({ state }) => void (state.hit = "big"));
    pipe.step("small", ({ state }) => void (state.hit = "small"));
    pipe.switch("s", ({ state }) => state.n, {
      to: (n) => ((n as number) > 10 ? "big" : "small"),
      default: "small",
    });
    const state: { n: number; hit?: string } = { n: 11 };
    await collect(pipe.run(state, { start: "s" }));
    expect(state.hit).toBe("big");
  });

  it("fails with the available routes and a near-name suggestion when nothing matches", async () => {
    const pipe = new Pipe();
    pipe.step("a", () => {});
    pipe.switch("s", () => "sucess", { to: { success: "a", failure: "a" } });
    const end = finishOf(await collect(pipe.run(undefined)));
    expect(end).toMatchObject({ status: "failed", failedStep: "s" });
    expect(end.error).toMatch(
      /returned 'sucess', which matches no route \(routes: success, failure\)\. Did you mean 'success'\?/,
    );
  });

  it("fails at run time when a routing function names an unknown step", async () => {
    const pipe = new Pipe({ allowMultiRoot: true });
    pipe.step("known", () => {});
    pipe.switch("s", () => 1, { to: () => "unknwn" });
    const end = finishOf(await collect(pipe.run(undefined, { start: "s" })));
    expect(end.error).toMatch(/returned 'unknwn', which is not a registered step\. Did you mean 'known'\?/);
  });

  it("drives an agent loop that runs N times and stops", async () => {
    const pipe = new Pipe<{ turns: number; log: string[] }>();
    pipe.step("think", ({ state }) => void state.log.push(`think${state.turns}`), { to: "act" });
    pipe.step("act", ({ state }) => void state.turns++, { to: "observe" });
    pipe.step("observe", () => {}, { to: "decide" });
    pipe.switch("decide", ({ state }) => (state.turns < 4 ? "continue" : "done"), {
      to: { continue: "think", done: Stop },
    });
    const state = { turns: 0, log: [] as string[] };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.turns).toBe(4);
    expect(state.log).toEqual(["think0", "think1", "think2", "think3"]);
    expect(finishOf(events).status).toBe("success");
  });

  it("joins branches that meet downstream though only one ran (deeper branches)", async () => {
    const pipe = new Pipe<{ path: string[] }>();
    pipe.switch("route", ({ state }) => (state.path.length === 0 ? "b" : "a"), { to: { a: "a1", b: "b1" } });
    pipe.step("a1", ({ state }) => void state.path.push("a1"), { to: "a2" });
    pipe.step("a2", ({ state }) => void state.path.push("a2"), { to: "join" });
    pipe.step("b1", ({ state }) => void state.path.push("b1"), { to: "join" });
    pipe.step("join", ({ state }) => void state.path.push("join"));
    const state = { path: [] as string[] };
    const events = await collect(pipe.run(state));
    assertRunInvariants(events);
    expect(state.path).toEqual(["b1", "join"]);
  });

  it("fails the switch, saying what to return, when its routing function returns something that is not a target", async () => {
    const pipe = new Pipe();
    pipe.switch("sw", () => "x", { to: (() => 42) as never });
    const events = await collect(pipe.run(undefined));
    assertRunInvariants(events);
    expect(finishOf(events)).toMatchObject({
      status: "failed",
      failedStep: "sw",
      error:
        "The routing function of switch 'sw' returned `42` (number) for `x` (string); return a step name, a registered handler, or Stop.",
    });
  });
});
