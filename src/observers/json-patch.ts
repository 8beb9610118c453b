/** One RFC 6902 JSON Patch operation, as {@link diffJson} produces them. */
export type JsonPatchOperation =
  | {
      /** Adds a key or an array element. */
      readonly op: "add";
      /** JSON Pointer (RFC 6901) to the new location. */
      readonly path: string;
      /** The new value. */
      readonly value: unknown;
    }
  | {
      /** Removes a key or an array element. */
      readonly op: "remove";
      /** JSON Pointer to the removed location. */
      readonly path: string;
    }
  | {
      /** Replaces a value. */
      readonly op: "replace";
      /** JSON Pointer to the changed location. */
      readonly path: string;
      /** The new value. */
      readonly value: unknown;
    };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Escapes one JSON Pointer segment (`~` and `/`). */
function segment(key: string | number): string {
  return String(key).replaceAll("~", "~0").replaceAll("/", "~1");
}

/**
 * The JSON Patch that turns `before` into `after`, both JSON values (plain objects, arrays,
 * strings, numbers, booleans, null). Arrays are compared by index: a longer array gets `add`s at
 * its end, a shorter one `remove`s from its end (highest index first, so the patch applies in order).
 *
 * @example
 * ```ts
 * diffJson({ a: 1, list: [1] }, { a: 2, list: [1, 2] });
 * // [{ op: "replace", path: "/a", value: 2 }, { op: "add", path: "/list/1", value: 2 }]
 * ```
 */
export function diffJson(before: unknown, after: unknown, path = ""): JsonPatchOperation[] {
  const operations: JsonPatchOperation[] = [];
  const visit = (left: unknown, right: unknown, at: string) => {
    if (Object.is(left, right)) return;
    if (Array.isArray(left) && Array.isArray(right)) {
      const common = Math.min(left.length, right.length);
      for (let i = 0; i < common; i++) visit(left[i], right[i], `${at}/${i}`);
      for (let i = common; i < right.length; i++)
        operations.push({ op: "add", path: `${at}/${i}`, value: right[i] });
      for (let i = left.length - 1; i >= common; i--) operations.push({ op: "remove", path: `${at}/${i}` });
      return;
    }
    if (isRecord(left) && isRecord(right)) {
      for (const key of Object.keys(left)) {
        const child = `${at}/${segment(key)}`;
        if (!Object.hasOwn(right, key)) operations.push({ op: "remove", path: child });
        else visit(left[key], right[key], child);
      }
      for (const key of Object.keys(right)) {
        if (!Object.hasOwn(left, key))
          operations.push({ op: "add", path: `${at}/${segment(key)}`, value: right[key] });
      }
      return;
    }
    operations.push({ op: "replace", path: at, value: right });
  };
  visit(before, after, path);
  return operations;
}
