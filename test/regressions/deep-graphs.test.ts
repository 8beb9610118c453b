import { describe, expect, it } from "vitest";
import { DefinitionError, EventType, Pipe } from "../../src/index.js";
import { collect, finishOf } from "../helpers.js";

/** Issue 13, item 2: graph analysis must not recurse per step; deep sub-pipeline nesting fails clearly. */

const CHAIN = 100_000;

function chain(length: number): Pipe {
  const pipe = new Pipe({ name: "chain" });
  for (let i = 0; i < length; i++) {
    pipe.step(`s${i}`, () => {}, i + 1 < length ? { to: `s${i + 1}` } : {});
  }
  return pipe;
}

describe(`a chain of ${CHAIN.toLocaleString("en")} steps`, () => {
  // One pipe for every test: building it is the slow part, and nothing here changes it.
  const pipe = chain(CHAIN);

  it("validates", () => {
    expect(() => pipe.validate()).not.toThrow();
  });

  it("lists its steps and topology", () => {
    expect(pipe.steps()).toHaveLength(CHAIN);
    // topology() lists the steps that have a `to`: all but the last.
    expect(Object.keys(pipe.topology())).toHaveLength(CHAIN - 1);
  });

  it("is described and hashed", () => {
    expect(pipe.describe().nodes).toHaveLength(CHAIN);
    expect(pipe.hash()).toMatch(/^[0-9a-f]+$/);
  });

  it("is drawn", () => {
    expect(pipe.graph().length).toBeGreaterThan(CHAIN);
  });

  it("runs to the end", async () => {
    let ends = 0;
    let last: string | undefined;
    for await (const event of pipe.run({})) {
      if (event.type === EventType.STEP_END) {
        ends++;
        last = event.stage;
      }
      if (event.type === EventType.FINISH) expect(event.payload.status).toBe("success");
    }
    expect(ends).toBe(CHAIN);
    expect(last).toBe(`s${CHAIN - 1}`);
  }, 60_000);
});

/** A pipe whose single step is a sub step running the previous level. */
function nested(depth: number): Pipe {
  let inner = new Pipe({ name: "level0" });
  inner.step("leaf", () => {});
  for (let level = 1; level <= depth; level++) {
    const outer = new Pipe({ name: `level${level}` });
    outer.sub("down", (args) => args.state, { pipeline: inner });
    inner = outer;
  }
  return inner;
}

describe("deeply nested sub-pipelines", () => {
  it("runs a pipe nested 50 deep", async () => {
    const events = await collect(nested(50).run({}));
    expect(finishOf(events).status).toBe("success");
    const leaf = events.filter((e) => e.type === EventType.STEP_END && e.stage.endsWith(":leaf"));
    expect(leaf).toHaveLength(1);
    expect(leaf[0]!.scope).toHaveLength(50);
  });

  it("refuses nesting it cannot run with a DefinitionError naming the depth and the fix", async () => {
    const pipe = nested(2_000);
    expect(() => pipe.validate()).toThrow(DefinitionError);
    expect(() => pipe.validate()).toThrow(/nest/i);
    await expect(collect(pipe.run({}))).rejects.toThrow(DefinitionError);
  }, 60_000);
});
