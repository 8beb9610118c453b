/**
 * JSON text for stored values that plain `JSON.stringify` mangles: `BigInt` (a string), `Map` (an
 * object of its entries), `Set` and typed arrays (arrays), errors (name, message, stack).
 */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return `${item}n`;
    if (item instanceof Map) return Object.fromEntries(item);
    if (item instanceof Set) return [...item];
    if (ArrayBuffer.isView(item)) return Array.from(item as Uint8Array);
    if (item instanceof Error) return { name: item.name, message: item.message, stack: item.stack };
    return item;
  });
}
