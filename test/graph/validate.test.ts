import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe, Stop } from "../../src/index.js";

function problems(pipe: Pipe<any, any>, start?: string): string[] {
  try {
    pipe.validate(start === undefined ? {} : { start });
  } catch (error) {
    if (error instanceof DefinitionError) return error.issues.map((i) => i.message);
    throw error;
  }
  return [];
}

describe("validate()", () => {
  it("accepts forward references by name and handler references", () => {
    const pipe = new Pipe();
    pipe.step("greet", () => {}, { to: "respond" });
    const respond = pipe.step("respond", () => {});
    pipe.step("other", () => {}, { to: respond });
    pipe.step("root", () => {}, { to: ["greet", "other"] });
    expect(problems(pipe)).toEqual([]);
  });

  it("reports an unknown target with a near-name suggestion", () => {
    const pipe = new Pipe();
    pipe.step("a", () => {}, { to: "respnd" });
    pipe.step("respond", () => {});
    const [message] = problems(pipe);
    expect(message).toMatch(/Step 'a' has `to` pointing at unknown step 'respnd'\. Did you mean 'respond'\?/);
  });

  it("lists the available steps when nothing is near", () => {
    const pipe = new Pipe();
    pipe.step("alpha", () => {}, { to: "zzz" });
    expect(problems(pipe)[0]).toMatch(/Available steps: alpha\./);
  });

  it("reports a handler target that was never registered", () => {
    const pipe = new Pipe();
    const stray = () => {};
    pipe.step("a", () => {}, { to: stray });
    expect(problems(pipe)[0]).toMatch(/function stray, which is not registered/);
  });

  it("lists every problem at once in one DefinitionError", () => {
    const pipe = new Pipe();
    pipe.step("a", () => {}, { to: "x" });
    pipe.step("b", () => {}, { to: "y" });
    const error = (() => {
      try {
        pipe.validate();
      } catch (e) {
        return e as DefinitionError;
      }
    })()!;
    expect(error.issues.length).toBeGreaterThanOrEqual(3);
    expect(error.message).toMatch(/The pipeline definition has \d+ problems/);
  });

  it("rejects several roots unless allowMultiRoot or start is given", () => {
    const pipe = new Pipe();
    pipe.step("a", () => {});
    pipe.step("b", () => {});
    expect(problems(pipe)[0]).toMatch(/2 root steps \(a, b\).*allowMultiRoot: true/);
    expect(problems(pipe, "a")).toEqual([]);
    const multi = new Pipe({ allowMultiRoot: true });
    multi.step("a", () => {});
    multi.step("b", () => {});
    expect(problems(multi)).toEqual([]);
  });

  it("counts declared `routes` jump targets as edges, not roots", () => {
    const pipe = new Pipe();
    pipe.step("decide", () => "later", { routes: ["later"] });
    pipe.step("later", () => {});
    expect(problems(pipe)).toEqual([]);
  });

  it("rejects a cycle of static edges, showing the path", () => {
    const pipe = new Pipe();
    pipe.step("start", () => {}, { to: "a" });
    pipe.step("a", () => {}, { to: "b" });
    pipe.step("b", () => {}, { to: "a" });
    expect(problems(pipe).join("\n")).toMatch(/cycle of static `to` edges: a -> b -> a/);
  });

  it("accepts a loop through a switch route (an agent loop)", () => {
    const pipe = new Pipe();
    pipe.step("think", () => {}, { to: "act" });
    pipe.step("act", () => {}, { to: "check" });
    pipe.switch("check", () => "again", { to: { again: "think", done: Stop } });
    pipe.step("begin", () => {}, { to: "think" });
    expect(problems(pipe)).toEqual([]);
  });

  it("enters a loop closed by a switch route at its first-registered step", async () => {
    const pipe = new Pipe();
    pipe.step("think", () => {}, { to: "decide" });
    pipe.switch("decide", () => "done", { to: { call: "callTool", done: Stop } });
    pipe.step("callTool", () => {}, { to: "think" });
    expect(problems(pipe)).toEqual([]);
    const first: string[] = [];
    for await (const event of pipe.run(undefined)) if (event.type === "step_start") first.push(event.stage);
    expect(first[0]).toBe("think");
  });

  it("counts the entry of a detached loop as another root", () => {
    const pipe = new Pipe();
    pipe.step("root", () => {});
    pipe.switch("s", () => "a", { to: { a: "a" } });
    pipe.step("a", () => {}, { to: "s" });
    expect(problems(pipe).join("\n")).toMatch(/2 root steps \(root, s\)/);
  });

  it("reports an unknown start with a suggestion", () => {
    const pipe = new Pipe();
    pipe.step("greet", () => {});
    expect(problems(pipe, "gret")[0]).toMatch(/unknown step 'gret'\. Did you mean 'greet'\?/);
  });

  it("reports a start from which an all-join can never fire", () => {
    const pipe = new Pipe();
    pipe.step("root", () => {}, { to: ["a", "b"] });
    pipe.step("a", () => {}, { to: "join" });
    pipe.step("b", () => {}, { to: "join" });
    pipe.step("join", () => {});
    expect(problems(pipe, "a")[0]).toMatch(/'join' waits for all of \[a, b\].*cannot reach b/);
    expect(problems(pipe, "root")).toEqual([]);
  });

  it("treats branches of one switch as alternatives of a join", () => {
    const pipe = new Pipe();
    pipe.switch("route", () => "x", { to: { x: "x", y: "y" } });
    pipe.step("x", () => {}, { to: "join" });
    pipe.step("y", () => {}, { to: "join" });
    pipe.step("join", () => {});
    expect(problems(pipe, "route")).toEqual([]);
  });

  it("rejects unknown switch routes and a map worker with its own `to`", () => {
    const pipe = new Pipe();
    pipe.switch("s", () => "a", { to: { a: "nope" }, default: "neither" });
    pipe.map("m", () => [], { each: "w" });
    pipe.step("w", () => {}, { to: "s" });
    const text = problems(pipe).join("\n");
    expect(text).toMatch(/`to\['a'\]` pointing at unknown step 'nope'/);
    expect(text).toMatch(/`default` pointing at unknown step 'neither'/);
    expect(text).toMatch(/'w' is the worker of map 'm' but has its own `to`/);
  });

  it("includes a sub-pipeline's problems", () => {
    const child = new Pipe({ name: "child" });
    child.step("c", () => {}, { to: "missing" });
    const pipe = new Pipe();
    pipe.sub("run_child", () => ({}), { pipeline: child });
    expect(problems(pipe)[0]).toMatch(/In sub-pipeline 'child' of step 'run_child': Step 'c' has `to`/);
  });

  it("reports pipes that contain each other through sub steps, instead of recursing forever", () => {
    const a = new Pipe({ name: "A" });
    const b = new Pipe({ name: "B" });
    a.sub("into_b", ({ state }) => state, { pipeline: b });
    b.sub("into_a", ({ state }) => state, { pipeline: a });
    const message =
      "In sub-pipeline 'B' of step 'into_b': Sub-pipeline step 'into_a' runs pipe 'A', which already contains this one";
    expect(problems(a)[0]).toContain(message);
  });

  it("finds such a cycle closed after the outer pipe ran, though that pipe's own check is cached", async () => {
    const x = new Pipe({ name: "X" });
    const y = new Pipe({ name: "Y" });
    x.step("first", () => Stop, { to: "into_y" });
    x.sub("into_y", ({ state }) => state, { pipeline: y });
    // X runs and freezes; its sub step never runs, so Y stays open for registration.
    for await (const _event of x.run({})) {
      // drain
    }
    y.sub("into_x", ({ state }) => state, { pipeline: x });
    expect(problems(y)[0]).toContain(
      "In sub-pipeline 'X' of step 'into_x': Sub-pipeline step 'into_y' runs pipe 'Y', which already contains this one",
    );
  });

  it("warns instead of throwing for soft problems when strict is false", () => {
    const pipe = new Pipe({ strict: false });
    pipe.step("a", () => {});
    pipe.step("b", () => {});
    expect(problems(pipe)).toEqual([]);
  });
});

describe("loops back into a join", () => {
  it("rejects a static edge that loops back into an all-join, and says how to loop instead", () => {
    const pipe = new Pipe<{ n: number }>();
    pipe.step("receive", () => {}, { to: "think" });
    pipe.step("think", ({ state }) => void state.n++, { to: "decide" });
    pipe.switch("decide", ({ state }) => (state.n < 3 ? "again" : "done"), {
      to: { again: "act", done: "finish" },
    });
    pipe.step("act", () => {}, { to: "think" });
    pipe.step("finish", () => {});
    const [message] = problems(pipe);
    expect(message).toMatch(
      /'think' waits for all of \[act, receive\], but 'act' only runs after 'think' itself/,
    );
    expect(message).toMatch(/return 'think' and declare it in `routes`/);
  });

  it("accepts the same loop closed by a returned jump", async () => {
    const { collect } = await import("../helpers.js");
    const pipe = new Pipe<{ n: number }>();
    pipe.step("receive", () => {}, { to: "think" });
    pipe.step("think", ({ state }) => void state.n++, { to: "decide" });
    pipe.switch("decide", ({ state }) => (state.n < 3 ? "again" : "done"), {
      to: { again: "act", done: "finish" },
    });
    pipe.step("act", () => "think", { routes: ["think"] });
    pipe.step("finish", () => {});
    expect(problems(pipe)).toEqual([]);
    const state = { n: 0 };
    await collect(pipe.run(state));
    expect(state.n).toBe(3);
  });
});
