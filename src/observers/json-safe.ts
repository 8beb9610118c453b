/** The text that replaces a redacted value. */
export const REDACTED = "[REDACTED]";

/**
 * Decides which values are secret: a list of key names (matched case-insensitively at any depth),
 * or a function of the key and its value that returns true to hide it.
 *
 * @example
 * ```ts
 * const redact: Redaction = ["apiKey", "password", "authorization"];
 * const byShape: Redaction = (key, value) => typeof value === "string" && value.startsWith("sk-");
 * ```
 */
export type Redaction = readonly string[] | ((key: string, value: unknown) => boolean);

/** Builds the predicate of a {@link Redaction}. */
export function redactionTest(
  redact: Redaction | undefined,
): ((key: string, value: unknown) => boolean) | undefined {
  if (redact === undefined) return undefined;
  if (typeof redact === "function") return redact;
  const keys = new Set(redact.map((key) => key.toLowerCase()));
  return keys.size === 0 ? undefined : (key) => keys.has(key.toLowerCase());
}

/**
 * A JSON-safe copy of any value, for logs: errors become `{ name, message }`, bigints and symbols
 * strings, functions `"[Function name]"`, `Map`s objects, `Set`s arrays, cycles `"[Circular]"`, and
 * values whose key the `hidden` test matches `"[REDACTED]"`. Deeper than `maxDepth`: `"[…]"`.
 */
export function toJsonSafe(
  value: unknown,
  hidden?: (key: string, value: unknown) => boolean,
  maxDepth = 8,
): unknown {
  const seen = new WeakSet<object>();
  const visit = (current: unknown, depth: number): unknown => {
    switch (typeof current) {
      case "bigint":
        return `${current}n`;
      case "symbol":
        return current.toString();
      case "function":
        return `[Function ${current.name || "anonymous"}]`;
      case "number":
        return Number.isFinite(current) ? current : String(current);
      case "object":
        break;
      default:
        return current;
    }
    if (current === null) return null;
    if (current instanceof Date) return Number.isNaN(current.getTime()) ? null : current.toISOString();
    if (current instanceof Error) {
      return { name: current.name, message: current.message };
    }
    if (seen.has(current)) return "[Circular]";
    if (depth >= maxDepth) return "[…]";
    seen.add(current);
    try {
      if (Array.isArray(current)) return current.map((item) => visit(item, depth + 1));
      if (current instanceof Set) return [...current].map((item) => visit(item, depth + 1));
      const entries = current instanceof Map ? [...current.entries()] : Object.entries(current);
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) {
        const name = String(key);
        out[name] = hidden?.(name, item) ? REDACTED : visit(item, depth + 1);
      }
      return out;
    } finally {
      seen.delete(current);
    }
  };
  return visit(value, 0);
}
