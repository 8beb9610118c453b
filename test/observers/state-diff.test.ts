import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { diffJson, type StateChange, StateDiffTracker } from "../../src/observers/index.js";
import { runOn, SimulatedClock, sleeper } from "./support.js";

interface State {
  query: string;
  hits?: string[];
  tags: Set<string>;
  user: { name: string; token?: string };
  draft?: string;
}

describe("diffJson", () => {
  it("produces add, remove and replace operations with escaped JSON Pointers", () => {
    expect(
      diffJson({ a: 1, "x/y": 1, gone: true, list: [1, 2, 3] }, { a: 2, "x/y": 2, list: [1], n: null }),
    ).toEqual([
      { op: "replace", path: "/a", value: 2 },
      { op: "replace", path: "/x~1y", value: 2 },
      { op: "remove", path: "/gone" },
      { op: "remove", path: "/list/2" },
      { op: "remove", path: "/list/1" },
      { op: "add", path: "/n", value: null },
    ]);
    expect(diffJson([1], [1, { b: 1 }])).toEqual([{ op: "add", path: "/1", value: { b: 1 } }]);
    expect(diffJson({ a: [1] }, { a: [1] })).toEqual([]);
    expect(diffJson({ a: 1 }, "x")).toEqual([{ op: "replace", path: "", value: "x" }]);
  });
});

describe("StateDiffTracker", () => {
  it("attributes each step's changes to it as JSON Patch operations", async () => {
    const clock = new SimulatedClock(0);
    const sleep = sleeper(clock);
    const pipe = new Pipe<State>({ name: "diff" });
    pipe.step(
      "search",
      async ({ state }) => {
        await sleep(5);
        state.hits = ["a", "b"];
        state.tags.add("searched");
      },
      { to: "rename" },
    );
    pipe.step(
      "rename",
      ({ state }) => {
        state.user.name = "Ada";
        state.user.token = "t0ps3cret";
        delete state.draft;
      },
      { to: "noop" },
    );
    pipe.step("noop", () => {});
    const seen: StateChange[] = [];
    const tracker = new StateDiffTracker({ redact: ["token"], onChange: (change) => seen.push(change) });
    tracker.attach(pipe);
    const state: State = { query: "tea", tags: new Set(), user: { name: "ada" }, draft: "x" };
    await runOn(pipe, state, clock);

    expect(tracker.changes().map((c) => [c.step, c.closedBy, c.timestamp, c.operations])).toEqual([
      [
        "search",
        "step_end",
        5,
        [
          { op: "add", path: "/tags/0", value: "searched" },
          { op: "add", path: "/hits", value: ["a", "b"] },
        ],
      ],
      [
        "rename",
        "step_end",
        5,
        [
          { op: "replace", path: "/user/name", value: "Ada" },
          { op: "add", path: "/user/token", value: "[REDACTED]" },
          { op: "remove", path: "/draft" },
        ],
      ],
    ]);
    expect(seen).toEqual(tracker.changes());
    expect(tracker.changesOf("noop")).toEqual([]);
    expect(tracker.changesOf("rename")[0]?.invocationId).toMatch(/:2$/);
  });

  it("records changes of a failed step and of shutdown hooks, and stops when detached", async () => {
    const clock = new SimulatedClock(0);
    const pipe = new Pipe<{ n: number; closed?: boolean }>({ name: "diff-fail" });
    pipe.step("boom", ({ state }) => {
      state.n = 2;
      throw new Error("no");
    });
    pipe.onShutdown(({ state }) => {
      state.closed = true;
    });
    const tracker = new StateDiffTracker();
    const detach = tracker.attach(pipe);
    await runOn(pipe, { n: 1 }, clock);
    expect(tracker.changes().map((c) => [c.step, c.closedBy, c.operations])).toEqual([
      ["boom", "step_error", [{ op: "replace", path: "/n", value: 2 }]],
      ["system", "finish", [{ op: "add", path: "/closed", value: true }]],
    ]);
    tracker.clear();
    expect(tracker.changes()).toEqual([]);
    expect(typeof detach).toBe("function");
  });
});
