import { describe, expect, it } from "vitest";
import { Pipe, Stop } from "../../src/index.js";
import { canonicalDefinition } from "../../src/visualization/hash.js";
import { fixtures } from "./fixtures.js";

/** A small pipe with every kind of edge; `change` tweaks one thing. */
function build(
  change: Partial<Record<"name" | "kind" | "route" | "each" | "jump" | "child" | "barrier", true>> = {},
) {
  const child = new Pipe({ name: "child" });
  child.step(change.child ? "c2" : "c1", () => {});
  const pipe = new Pipe({ name: change.name ? "other" : "p" });
  pipe.step("a", () => {}, { to: ["b", "m"], routes: [change.jump ? "m" : "b"] });
  pipe.switch("b", () => "x", { to: { x: "s", [change.route ? "z" : "y"]: Stop } });
  pipe.map("m", () => [], { each: change.each ? "w2" : "w", to: "s" });
  pipe.step("w", () => {});
  pipe.step("w2", () => {});
  if (change.kind) pipe.step("s", () => {}, { barrierType: change.barrier ? "any" : "all" });
  else pipe.sub("s", () => ({}), { pipeline: child, barrierType: change.barrier ? "any" : "all" });
  return pipe;
}

describe("pipe.hash()", () => {
  it("is 16 hex characters and stable", () => {
    expect(build().hash()).toMatch(/^[0-9a-f]{16}$/);
    expect(build().hash()).toBe(build().hash());
  });

  it("pins the canonical document of a simple pipe", () => {
    const pipe = new Pipe({ name: "persist_demo" });
    pipe.step("a", () => {}, { to: "b" });
    pipe.step("b", () => {});
    expect(canonicalDefinition(pipe)).toBe(
      '{"format":1,"name":"persist_demo","steps":[["a","step","all"],["b","step","all"]],"edges":[["a","b","static",null]],"subs":[]}',
    );
    expect(pipe.hash()).toBe("2e35b91f78e29f8e"); // printf %s "<document>" | sha256sum
  });

  it.each(["name", "kind", "route", "each", "jump", "child", "barrier"] as const)(
    "changes when the %s changes",
    (what) => {
      expect(build({ [what]: true }).hash()).not.toBe(build().hash());
    },
  );

  it("ignores registration order, handlers, options, hooks and metadata", () => {
    const one = new Pipe({ name: "p" });
    one.step("a", () => {}, { to: "b" });
    one.step("b", () => {});
    const two = new Pipe({ name: "p", metadata: { v: 2 } });
    two.onStartup(() => {});
    two.step("b", async function* () {}, { timeout: 10, retries: 3 });
    two.step("a", () => "b", { to: "b", onError: () => {} });
    expect(two.hash()).toBe(one.hash());
  });

  it("matches describe().hash, for the pipe and its sub-pipelines", () => {
    const pipe = fixtures.nestedSub!();
    const description = pipe.describe();
    expect(description.hash).toBe(pipe.hash());
    const middle = pipe._definitions().find((d) => d.kind === "sub")!.pipeline!;
    expect(description.nodes.find((n) => n.kind === "sub")!.pipeline).toMatchObject({ hash: middle.hash() });
  });
});
