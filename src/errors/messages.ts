import { DefinitionError } from "./errors.js";

/** `expected \`x\` to be ..., got \`v\` (type).`: the one validation message template. */
export function expectedMessage(option: string, what: string, value: unknown): string {
  return `expected \`${option}\` to be ${what}, got ${shownValue(value)}.`;
}

/**
 * A value as error messages show it: `` `value` (type) ``, functions by name, objects as JSON,
 * cut to `maxLength` characters (with "…").
 */
export function shownValue(value: unknown, maxLength = 200): string {
  let shown = typeof value === "function" ? `function ${value.name || "(anonymous)"}` : safeString(value);
  if (shown.length > maxLength) shown = `${shown.slice(0, maxLength)}…`;
  return `\`${shown}\` (${value === null ? "null" : typeof value})`;
}

/** An option of the pipe itself was invalid: the message names `where` (the call), not a step. */
export function expectedOf(where: string, option: string, what: string, value: unknown): DefinitionError {
  return new DefinitionError(`${where}: ${expectedMessage(option, what, value)}`, "system");
}

/** A registration option of `step` was invalid (see {@link expectedMessage}). */
export function expected(step: string, option: string, what: string, value: unknown): DefinitionError {
  return new DefinitionError(`Step '${step}': ${expectedMessage(option, what, value)}`, step);
}

function safeString(value: unknown): string {
  try {
    if (typeof value !== "object" || value === null) return String(value); // NaN, -1, "x", undefined
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
