import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyDelta, deepEqual } from "../../src/model/state-delta.js";
import { stateView } from "../../src/model/state-view.js";

describe("stateView", () => {
  it("records sets, deletes and appends without touching the base", () => {
    const base = { results: { a: 1 } as Record<string, number>, log: [1], gone: true };
    const frozen = structuredClone(base);
    const { view, delta } = stateView(base);
    view.results.b = 2;
    view.log.push(2, 3);
    delete (view as { gone?: boolean }).gone;
    expect(base).toEqual(frozen);
    expect(delta().operations).toEqual([
      { op: "set", path: ["results", "b"], value: 2 },
      { op: "append", path: ["log"], values: [2, 3] },
      { op: "delete", path: ["gone"] },
    ]);
    expect(view).toEqual({ results: { a: 1, b: 2 }, log: [1, 2, 3] });
    expect(Object.keys(view.results)).toEqual(["a", "b"]);
    expect(JSON.stringify(view)).toBe('{"results":{"a":1,"b":2},"log":[1,2,3]}');
  });

  it("replaces an array whole after a change that is not an append", () => {
    const { view, delta } = stateView({ list: [3, 1, 2] });
    view.list.sort();
    view.list.push(4);
    expect(view.list).toEqual([1, 2, 3, 4]);
    const live = { list: [3, 1, 2] };
    applyDelta(live, delta());
    expect(live.list).toEqual([1, 2, 3, 4]);
  });

  it("stores a view written elsewhere in the state as a plain copy", () => {
    const base = { docs: [{ id: "a", tags: ["x"] }], picked: null as unknown };
    const { view, delta } = stateView(base);
    view.picked = view.docs[0];
    const [operation] = delta().operations;
    expect(operation).toEqual({ op: "set", path: ["picked"], value: { id: "a", tags: ["x"] } });
    expect(structuredClone((operation as { value: unknown }).value)).toEqual({ id: "a", tags: ["x"] });
  });

  it("does not record writes into an object the handler detached from the state", () => {
    const { view, delta } = stateView({ doc: { title: "t" } });
    const old = view.doc;
    view.doc = { title: "new" };
    old.title = "ignored";
    expect(delta().operations).toEqual([{ op: "set", path: ["doc"], value: { title: "new" } }]);
  });

  const key = fc.constantFrom("a", "b", "c");
  const value = fc.oneof(
    fc.integer({ min: 0, max: 9 }),
    fc.constant(null),
    fc.constant({}),
    fc.constant([] as unknown[]),
  );
  const action = fc.oneof(
    fc.record({
      kind: fc.constant("set" as const),
      path: fc.array(key, { minLength: 1, maxLength: 3 }),
      value,
    }),
    fc.record({ kind: fc.constant("delete" as const), path: fc.array(key, { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant("push" as const), path: fc.array(key, { maxLength: 2 }), value }),
    fc.record({ kind: fc.constant("pop" as const), path: fc.array(key, { maxLength: 2 }) }),
    fc.record({
      kind: fc.constant("setIndex" as const),
      path: fc.array(key, { maxLength: 2 }),
      index: fc.nat(4),
      value,
    }),
  );
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, fc.integer({ min: 0, max: 9 }), tie("object"), tie("array")),
    object: fc.dictionary(key, tie("node"), { maxKeys: 3 }),
    array: fc.array(tie("node"), { maxLength: 3 }),
  })).object;

  /** Applies one action to a plain state or a view the same way (skipping what cannot apply). */
  function perform(
    state: Record<string, unknown>,
    act: fc.Arbitrary<unknown> extends never ? never : any,
  ): void {
    const path: string[] = act.path;
    const parentPath = act.kind === "set" || act.kind === "delete" ? path.slice(0, -1) : path;
    let target: any = state;
    for (const step of parentPath) {
      if (target === null || typeof target !== "object" || Array.isArray(target)) return;
      target = target[step];
    }
    if (target === null || typeof target !== "object") return;
    const last = path.at(-1)!;
    switch (act.kind) {
      case "set":
        if (!Array.isArray(target)) target[last] = structuredClone(act.value);
        return;
      case "delete":
        if (!Array.isArray(target)) delete target[last];
        return;
      case "push":
        if (Array.isArray(target)) target.push(structuredClone(act.value));
        return;
      case "pop":
        if (Array.isArray(target)) target.pop();
        return;
      case "setIndex":
        if (Array.isArray(target) && act.index <= target.length)
          target[act.index] = structuredClone(act.value);
        return;
    }
  }

  it("behaves like the plain object, and its delta turns the base into it", () => {
    fc.assert(
      fc.property(tree, fc.array(action, { maxLength: 8 }), (base, actions) => {
        const plain = structuredClone(base) as Record<string, unknown>;
        const original = structuredClone(base);
        const { view, delta } = stateView(base as Record<string, unknown>);
        for (const act of actions) {
          perform(plain, act);
          perform(view, act);
          expect(deepEqual(JSON.parse(JSON.stringify(view)), JSON.parse(JSON.stringify(plain)))).toBe(true);
        }
        expect(deepEqual(base, original)).toBe(true);
        const live = structuredClone(original);
        applyDelta(live, structuredClone(delta()));
        expect(live).toEqual(plain);
      }),
      { numRuns: 500 },
    );
  });
});
