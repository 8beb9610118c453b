/**
 * Sets an own, enumerable key on a plain object made to hold data. `object[key] = value` does not
 * do for `"__proto__"` (a key `JSON.parse` makes own, and any object may have): it sets the
 * object's prototype instead, so the key vanishes and the copy changes shape.
 */
export function setOwnKey(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  else object[key] = value;
}
