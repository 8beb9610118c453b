/**
 * Issue 15, defect 1: a map worker that is also the map's `to` target ran one extra time, after
 * the workers, with `item: undefined`. It is a definition error now.
 */
import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe } from "../../src/index.js";

const MESSAGE =
  "Map 'fan' has 'work' as both its `each` worker and its `to`: 'work' would run once per item, then once more with no item. Point `to` at the step that uses every item's result (it runs once, after the last worker).";

describe("a map whose `to` is its own worker", () => {
  it("is a DefinitionError from validate() and from the first iteration of run(), naming the map", async () => {
    const pipe = new Pipe({ name: "d1" });
    const items: unknown[] = [];
    pipe.map("fan", () => [1, 2], { each: "work", to: "work" });
    pipe.step("work", ({ item }) => void items.push(item));
    expect(() => pipe.validate()).toThrow(DefinitionError);
    expect(() => pipe.validate()).toThrow(MESSAGE);
    await expect(pipe.run({}).next()).rejects.toThrow(MESSAGE);
    expect(items).toEqual([]);
  });

  it("is caught when `to` is the worker's handler, or one entry of an array", () => {
    const byHandler = new Pipe({ name: "handler" });
    const work = byHandler.step("work", () => {});
    byHandler.map("fan", () => [1], { each: work, to: work });
    expect(() => byHandler.validate()).toThrow(MESSAGE);

    const inArray = new Pipe({ name: "array" });
    inArray.map("fan", () => [1], { each: "work", to: ["merge", "work"] });
    inArray.step("work", () => {});
    inArray.step("merge", () => {});
    expect(() => inArray.validate()).toThrow(MESSAGE);
  });
});
