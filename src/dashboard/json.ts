/**
 * JSON text of what the store returned. Stored runs and events are JSON-safe already, so this is
 * plain `JSON.stringify` (a replacer costs a call per key: a third of the time of a 100,000-event
 * page); a value it cannot write (a `BigInt`) falls back to {@link toDisplayJson}.
 */
export function toJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return toDisplayJson(value);
  }
}

/**
 * JSON text for values that plain `JSON.stringify` mangles, such as a decoded checkpoint state:
 * `BigInt` (as `"12n"`), `Map` (an object of its entries), `Set` and typed arrays (arrays), errors
 * (name, message, stack).
 */
export function toDisplayJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return `${item}n`;
    if (item instanceof Map) return Object.fromEntries(item);
    if (item instanceof Set) return [...item];
    if (ArrayBuffer.isView(item)) return Array.from(item as Uint8Array);
    if (item instanceof Error) return { name: item.name, message: item.message, stack: item.stack };
    return item;
  });
}
