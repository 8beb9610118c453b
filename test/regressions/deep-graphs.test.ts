import { describe, expect, it } from "vitest";
import { DefinitionError, EventType, Pipe } from "../../src/index.js";
import { collect, finishOf } from "../helpers.js";

/** Issue 13, item 2: graph analysis must not recurse per step; deep sub-pipeline nesting fails clearly. */

const CHAIN = 100_000;
/** The most levels of pipes that may nest (the top pipe is level 1). */
const MAX_LEVELS = 1_000;

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

/** A pipe whose single step is a sub step running the previous level: `depth` levels under the top. */
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

  // The cap: 1,000 levels of pipes (the top one and 999 below it). Before, 550 levels never settled
  // and 1,000 ended `failed` with a stack overflow after 22 s of CPU time (bench/sub-depth.mjs).
  it(`runs, validates and hashes ${MAX_LEVELS} levels of pipes, the most allowed`, async () => {
    const pipe = nested(MAX_LEVELS - 1);
    expect(() => pipe.validate()).not.toThrow();
    expect(pipe.hash()).toMatch(/^[0-9a-f]{16}$/);
    const events = await collect(pipe.run({}));
    expect(finishOf(events).status).toBe("success");
    expect(events).toHaveLength(4 * MAX_LEVELS);
    const leaf = events.find((e) => e.type === EventType.STEP_END && e.stage.endsWith(":leaf"))!;
    expect(leaf.stage).toBe(`${"down:".repeat(MAX_LEVELS - 1)}leaf`);
    expect(leaf.scope).toHaveLength(MAX_LEVELS - 1);
  }, 120_000);

  it("refuses one level more with a DefinitionError naming the step, the depth and the fix", async () => {
    const pipe = nested(MAX_LEVELS);
    expect(() => pipe.validate()).toThrow(DefinitionError);
    const message = (() => {
      try {
        pipe.validate();
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    expect(message).toContain(`Sub-pipeline step 'down' nests pipe 'level0' ${MAX_LEVELS + 1} levels deep`);
    expect(message).toContain(`at most ${MAX_LEVELS} levels`);
    expect(message).toContain("Flatten the nesting");
    await expect(collect(pipe.run({}))).rejects.toThrow(DefinitionError);
  }, 120_000);

  it("refuses far deeper nesting with the same error, not a stack overflow", async () => {
    const pipe = nested(5_000);
    expect(() => pipe.validate()).toThrow(/levels deep/);
    await expect(collect(pipe.run({}))).rejects.toThrow(DefinitionError);
  }, 120_000);

  it("sees a step registered deep down after a check (the cached check is dropped)", () => {
    let inner = new Pipe({ name: "bottom" });
    inner.step("leaf", () => {});
    const bottom = inner;
    for (let level = 1; level < MAX_LEVELS - 1; level++) {
      const outer = new Pipe({ name: `level${level}` });
      outer.sub("down", (args) => args.state, { pipeline: inner });
      inner = outer;
    }
    expect(() => inner.validate()).not.toThrow();
    const deeper = new Pipe({ name: "deeper" });
    deeper.step("leaf", () => {});
    const deepest = new Pipe({ name: "deepest" });
    deepest.sub("down", (args) => args.state, { pipeline: deeper });
    bottom.sub("more", (args) => args.state, { pipeline: deepest });
    expect(() => inner.validate()).toThrow(/Sub-pipeline step 'down' nests pipe 'deeper'/);
  }, 120_000);
});
