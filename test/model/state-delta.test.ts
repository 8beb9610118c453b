import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StateDeltaError } from "../../src/errors/execution.js";
import { applyDelta, deepEqual, diffState } from "../../src/model/state-delta.js";

describe("diffState", () => {
  it("records sets, deletes and nested changes by path", () => {
    const before = { a: 1, gone: true, nested: { keep: 1, change: "x" } };
    const after = { a: 2, nested: { keep: 1, change: "y", added: [1] } };
    expect(diffState(before, after).operations).toEqual([
      { op: "set", path: ["a"], value: 2 },
      { op: "set", path: ["nested", "change"], value: "y" },
      { op: "set", path: ["nested", "added"], value: [1] },
      { op: "delete", path: ["gone"] },
    ]);
  });

  it("detects values pushed at the end of an array as an append", () => {
    const delta = diffState({ log: [{ n: 1 }] }, { log: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    expect(delta.operations).toEqual([{ op: "append", path: ["log"], values: [{ n: 2 }, { n: 3 }] }]);
  });

  it("sets an array as a whole when it shrank or changed before its end", () => {
    expect(diffState({ l: [1, 2, 3] }, { l: [1, 2] }).operations).toEqual([
      { op: "set", path: ["l"], value: [1, 2] },
    ]);
    expect(diffState({ l: [1, 2] }, { l: [0, 2, 3] }).operations).toEqual([
      { op: "set", path: ["l"], value: [0, 2, 3] },
    ]);
  });

  it("changes one element of an array of the same length by index", () => {
    expect(diffState({ l: [1, { a: 1 }] }, { l: [1, { a: 2 }] }).operations).toEqual([
      { op: "set", path: ["l", 1, "a"], value: 2 },
    ]);
  });

  it("compares Date, Map, Set and typed arrays by value and sets them whole", () => {
    const before = { d: new Date(1), m: new Map([["k", 1]]), s: new Set([1]), b: new Uint8Array([1]) };
    const same = { d: new Date(1), m: new Map([["k", 1]]), s: new Set([1]), b: new Uint8Array([1]) };
    expect(diffState(before, same).operations).toEqual([]);
    const changed = { d: new Date(2), m: new Map([["k", 2]]), s: new Set([1, 2]), b: new Uint8Array([2]) };
    expect(diffState(before, changed).operations.map((o) => o.path[0])).toEqual(["d", "m", "s", "b"]);
  });

  it("is empty when nothing changed (NaN included)", () => {
    expect(diffState({ a: [1, { b: Number.NaN }] }, { a: [1, { b: Number.NaN }] }).operations).toEqual([]);
  });
});

describe("applyDelta", () => {
  it("appends to the live array, keeping what others appended meanwhile", () => {
    const live = { log: [1, 9] };
    applyDelta(live, diffState({ log: [1] }, { log: [1, 2] }));
    expect(live.log).toEqual([1, 9, 2]);
  });

  it("fails naming the path when a parent was replaced by a primitive", () => {
    const live = { results: 5 } as unknown;
    const delta = diffState({ results: {} }, { results: { a: 1 } });
    expect(() => applyDelta(live, delta)).toThrow(StateDeltaError);
    expect(() => applyDelta(live, delta)).toThrow(/state\.results\.a/);
  });

  it("fails when appending to something that is no longer an array", () => {
    const delta = diffState({ log: [] as number[] }, { log: [1] });
    expect(() => applyDelta({ log: "text" }, delta)).toThrow(
      /expected an array to append to, found a string/,
    );
  });
});

// Values the state codec carries (JSON plus the common built-ins).
const leaf = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 3 }),
  fc.boolean(),
  fc.constant(null),
  fc.date({ noInvalidDate: true }),
);
const tree = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, leaf, tie("object"), tie("array")),
  object: fc.dictionary(fc.constantFrom("a", "b", "c", "d", "x y"), tie("value"), { maxKeys: 4 }),
  array: fc.array(tie("value"), { maxLength: 4 }),
})).object;

describe("diffState and applyDelta together", () => {
  it("turn a copy of before into after, for any two states", () => {
    fc.assert(
      fc.property(tree, tree, (before, after) => {
        const delta = diffState(before, after);
        const live = structuredClone(before);
        applyDelta(live, structuredClone(delta));
        expect(deepEqual(live, after)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("turn before into a mutated copy of it (random edits, appends included)", () => {
    const edit = fc.record({ key: fc.constantFrom("a", "b", "c"), value: leaf, append: fc.boolean() });
    fc.assert(
      fc.property(tree, fc.array(edit, { maxLength: 5 }), (before, edits) => {
        const after = structuredClone(before) as Record<string, unknown>;
        for (const e of edits) {
          const current = after[e.key];
          if (e.append && Array.isArray(current)) current.push(e.value);
          else after[e.key] = e.value;
        }
        const live = structuredClone(before);
        applyDelta(live, diffState(before, after));
        expect(deepEqual(live, after)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
