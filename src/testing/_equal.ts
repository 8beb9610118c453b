/**
 * Deep structural equality for mock assertions (internal). `expected` may contain asymmetric
 * matchers (any object with an `asymmetricMatch(actual)` method, such as vitest's or jest's
 * `expect.any(Number)` and `expect.objectContaining({...})`), so users of those frameworks can
 * match loosely without this module depending on any of them.
 */
export function deepEqual(actual: unknown, expected: unknown): boolean {
  return equal(actual, expected, new Map());
}

interface AsymmetricMatcher {
  asymmetricMatch(actual: unknown): boolean;
}

function isAsymmetricMatcher(value: unknown): value is AsymmetricMatcher {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { asymmetricMatch?: unknown }).asymmetricMatch === "function"
  );
}

function equal(actual: unknown, expected: unknown, seen: Map<object, object>): boolean {
  if (isAsymmetricMatcher(expected)) return expected.asymmetricMatch(actual);
  if (Object.is(actual, expected)) return true;
  if (typeof actual !== "object" || typeof expected !== "object" || actual === null || expected === null) {
    return false;
  }
  // Comparing a pair already under comparison: assume equal (cycles).
  if (seen.get(actual) === expected) return true;
  seen.set(actual, expected);
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return false;
  if (actual instanceof Date) return actual.getTime() === (expected as Date).getTime();
  if (actual instanceof RegExp) return String(actual) === String(expected);
  if (actual instanceof Map) {
    const other = expected as Map<unknown, unknown>;
    if (actual.size !== other.size) return false;
    for (const [key, value] of other) {
      if (!actual.has(key) || !equal(actual.get(key), value, seen)) return false;
    }
    return true;
  }
  if (actual instanceof Set) {
    const other = expected as Set<unknown>;
    if (actual.size !== other.size) return false;
    outer: for (const value of other) {
      if (actual.has(value)) continue;
      for (const candidate of actual) if (equal(candidate, value, seen)) continue outer;
      return false;
    }
    return true;
  }
  if (ArrayBuffer.isView(actual)) {
    const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
    const view = expected as ArrayBufferView;
    const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    return a.length === b.length && a.every((byte, i) => byte === b[i]);
  }
  if (actual instanceof Error) {
    const other = expected as Error;
    if (actual.name !== other.name || actual.message !== other.message) return false;
  }
  const keys = ownKeys(actual);
  const otherKeys = ownKeys(expected);
  if (keys.length !== otherKeys.length) return false;
  for (const key of otherKeys) {
    if (!Object.hasOwn(actual, key)) return false;
    if (
      !equal(
        (actual as Record<PropertyKey, unknown>)[key],
        (expected as Record<PropertyKey, unknown>)[key],
        seen,
      )
    ) {
      return false;
    }
  }
  return true;
}

/** Own enumerable keys, symbols included. Array `length` is implied by the index keys. */
function ownKeys(value: object): PropertyKey[] {
  return Reflect.ownKeys(value).filter((key) => Object.prototype.propertyIsEnumerable.call(value, key));
}
