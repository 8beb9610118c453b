import { describe, expect, it } from "vitest";
import { DefinitionError, EventType, Pipe } from "../../src/index.js";
import { collect, finishOf } from "../helpers.js";

/** Issue 13, item 5: a returned jump back into a parent of an `all` join is legal when its first wave can fire. */

describe("a jump back into a parent of an all-join", () => {
  function diamondWithJumpBack() {
    const pipe = new Pipe<{ again: number }>({ name: "diamond" });
    pipe.step("a", () => {}, { to: ["b", "c"] });
    pipe.step("b", () => {}, { to: "j" });
    pipe.step("c", () => {}, { to: "j" });
    pipe.step("j", ({ state }) => (state.again-- > 0 ? "b" : undefined), { routes: ["b"] });
    return pipe;
  }

  it("passes validation", () => {
    expect(() => diamondWithJumpBack().validate()).not.toThrow();
  });

  it("runs: the first wave fires the join, and the jump re-runs the parent", async () => {
    const events = await collect(diamondWithJumpBack().run({ again: 1 }));
    expect(finishOf(events).status).toBe("success");
    const starts = events.filter((e) => e.type === EventType.STEP_START).map((e) => e.stage);
    expect(starts.filter((s) => s === "j")).toHaveLength(1);
    expect(starts.filter((s) => s === "b")).toHaveLength(2);
  });

  it("still rejects a parent that can only run after the join itself", () => {
    const pipe = new Pipe<{ n: number }>();
    pipe.step("receive", () => {}, { to: "think" });
    pipe.step("think", () => {}, { to: "decide" });
    pipe.switch("decide", ({ state }) => (state.n < 3 ? "again" : "done"), {
      to: { again: "act", done: "finish" },
    });
    pipe.step("act", () => {}, { to: "think" });
    pipe.step("finish", () => {});
    expect(() => pipe.validate()).toThrow(DefinitionError);
    expect(() => pipe.validate()).toThrow(/'act' only runs after 'think' itself/);
  });

  it("still rejects a join whose looping parent is entered only through a jump from the join", () => {
    const pipe = new Pipe({ name: "loop-only" });
    pipe.step("start", () => {}, { to: "j" });
    pipe.step("j", () => "back", { routes: ["back"] });
    pipe.step("back", () => {}, { to: "j" });
    expect(() => pipe.validate()).toThrow(/'back' only runs after 'j' itself/);
  });
});
