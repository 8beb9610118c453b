import { StateDeltaError, type StatePath } from "../errors/execution.js";

/**
 * One change to the state: a path set to a value, a key deleted, or values appended to an array.
 * Plain data: it crosses processes after the values are encoded.
 */
export type DeltaOperation =
  | { readonly op: "set"; readonly path: StatePath; readonly value: unknown }
  | { readonly op: "delete"; readonly path: StatePath }
  | { readonly op: "append"; readonly path: StatePath; readonly values: readonly unknown[] };

/**
 * The changes one handler made to its copy of the state, in an order that applies them correctly
 * (see {@link diffState} and {@link applyDelta}).
 */
export interface StateDelta {
  readonly operations: readonly DeltaOperation[];
}

/** A delta that changes nothing. */
export const EMPTY_DELTA: StateDelta = Object.freeze({ operations: Object.freeze([]) });

/**
 * Computes the changes from `before` to `after` (a handler's copy of the state, before and after it
 * ran). Plain objects and arrays are compared key by key; an array that only grew at its end is an
 * `append` (so two steps appending to one list do not conflict); anything else that differs
 * (`Date`, `Map`, `Set`, typed arrays, a value of another type, an array that shrank or changed in
 * the middle) is `set` as a whole.
 *
 * @example
 * ```ts
 * diffState({ a: 1, list: [1] }, { a: 2, list: [1, 2] }).operations;
 * // [{ op: "set", path: ["a"], value: 2 }, { op: "append", path: ["list"], values: [2] }]
 * ```
 */
export function diffState(before: unknown, after: unknown): StateDelta {
  const operations: DeltaOperation[] = [];
  diffInto(before, after, [], operations);
  return operations.length === 0 ? EMPTY_DELTA : { operations };
}

function diffInto(before: unknown, after: unknown, path: (string | number)[], out: DeltaOperation[]): void {
  if (Object.is(before, after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(after)) {
      const child = [...path, key];
      if (!Object.hasOwn(before, key)) out.push({ op: "set", path: child, value: after[key] });
      else diffInto(before[key], after[key], child, out);
    }
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) out.push({ op: "delete", path: [...path, key] });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    if (after.length === before.length) {
      for (let index = 0; index < after.length; index++)
        diffInto(before[index], after[index], [...path, index], out);
      return;
    }
    if (after.length > before.length && before.every((value, index) => deepEqual(value, after[index]))) {
      out.push({ op: "append", path, values: after.slice(before.length) });
      return;
    }
  } else if (deepEqual(before, after)) return;
  if (path.length === 0) {
    throw new StateDeltaError(path, "the state itself was replaced by a value of another kind");
  }
  out.push({ op: "set", path, value: after });
}

/**
 * Applies a delta to `state` in place, in order. Throws {@link StateDeltaError} when a path no longer
 * leads to an object or array (another change replaced or removed it); operations before the failing
 * one stay applied.
 *
 * @example
 * ```ts
 * const state = { results: {} as Record<string, number> };
 * applyDelta(state, { operations: [{ op: "set", path: ["results", "a"], value: 1 }] });
 * state.results.a; // 1
 * ```
 */
export function applyDelta(state: unknown, delta: StateDelta): void {
  for (const operation of delta.operations) {
    const path = operation.path;
    if (path.length === 0) throw new StateDeltaError(path, "a change must name a path inside the state");
    if (operation.op === "append") {
      const target = containerAt(state, path, path.length);
      if (!Array.isArray(target))
        throw new StateDeltaError(path, `expected an array to append to, found ${kindOf(target)}`);
      for (const value of operation.values) target.push(value);
      continue;
    }
    const parent = containerAt(state, path, path.length - 1);
    if (parent === null || typeof parent !== "object") {
      throw new StateDeltaError(path, `expected an object or array holding it, found ${kindOf(parent)}`);
    }
    const key = path[path.length - 1]!;
    if (operation.op === "set") (parent as Record<string | number, unknown>)[key] = operation.value;
    else delete (parent as Record<string | number, unknown>)[key];
  }
}

function containerAt(state: unknown, path: StatePath, length: number): unknown {
  let current = state;
  for (let index = 0; index < length; index++) {
    if (current === null || typeof current !== "object") {
      throw new StateDeltaError(path.slice(0, index + 1), `found ${kindOf(current)} on the way`);
    }
    current = (current as Record<string | number, unknown>)[path[index]!];
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object"
    ? "an object"
    : `${typeof value === "undefined" ? "nothing" : `a ${typeof value}`}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Structural equality over the values a state codec carries: primitives (`NaN` equals `NaN`), plain
 * objects, arrays, `Date`, `Map`, `Set` (in insertion order) and typed arrays. Other objects are
 * equal only to themselves.
 */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (Object.is(left, right)) return true;
  if (left === null || right === null || typeof left !== "object" || typeof right !== "object") return false;
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return false;
    for (let index = 0; index < left.length; index++) if (!deepEqual(left[index], right[index])) return false;
    return true;
  }
  if (isPlainObject(left)) {
    if (!isPlainObject(right)) return false;
    const keys = Object.keys(left);
    if (keys.length !== Object.keys(right).length) return false;
    return keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]));
  }
  if (left instanceof Date) return right instanceof Date && Object.is(left.getTime(), right.getTime());
  if (left instanceof Map || left instanceof Set) {
    if (left.constructor !== right.constructor) return false;
    return deepEqual([...(left as Map<unknown, unknown>)], [...(right as Map<unknown, unknown>)]);
  }
  if (ArrayBuffer.isView(left)) {
    if (!ArrayBuffer.isView(right) || left.constructor !== right.constructor) return false;
    const a = new Uint8Array(left.buffer, left.byteOffset, left.byteLength);
    const b = new Uint8Array(right.buffer, right.byteOffset, right.byteLength);
    return a.length === b.length && a.every((byte, index) => byte === b[index]);
  }
  return false;
}
