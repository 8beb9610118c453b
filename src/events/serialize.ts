import { setOwnKey } from "./own-key.js";
import type { PipeEvent } from "./types.js";

/**
 * A thrown value as JSON: what {@link serializeError} returns. Errors keep their `name`, `message`,
 * `stack`, `code` and `cause` (recursively); anything else thrown (a string, a number, a plain
 * object) becomes `name: "NonError"` with a readable `message` and the value itself in `thrown`.
 */
export interface SerializedError {
  /** The error's class name (`"TypeError"`, `"StepTimeoutError"`), or `"NonError"` when the thrown value was not an `Error`. */
  readonly name: string;
  /** The error's message; for a non-Error, the value itself as text (`"boom"`, `"42"`, `'{"status":503}'`). */
  readonly message: string;
  /** The stack trace, when the error had one. */
  readonly stack?: string;
  /** The error's `code` (`"ECONNRESET"`, `"STEP_TIMEOUT"`), when it had a string or number one. */
  readonly code?: string | number;
  /** The error's `cause`, serialised the same way (`name: "Circular"` where the chain loops). */
  readonly cause?: SerializedError;
  /** An `AggregateError`'s errors, serialised the same way. */
  readonly errors?: readonly SerializedError[];
  /** The error's other own enumerable properties (`step`, `timeoutMs`, `status`...), made JSON-safe. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** For a non-Error: the thrown value, made JSON-safe (absent for `undefined`). */
  readonly thrown?: unknown;
}

const CIRCULAR = "[Circular]";
const KNOWN_ERROR_KEYS = new Set(["name", "message", "stack", "code", "cause", "errors"]);

/**
 * Turns a thrown value into plain JSON data ({@link SerializedError}), for logs, HTTP streams and
 * stores. `JSON.stringify(error)` gives `{}`, since an `Error`'s fields are not enumerable: this
 * keeps `name`, `message`, `stack`, `code`, `cause` (recursively, cycle-safe) and an
 * `AggregateError`'s `errors`. The value itself is not changed.
 *
 * @param value - anything a step may throw.
 * @returns plain data that `JSON.stringify` keeps whole.
 *
 * @example
 * ```ts
 * if (event.type === EventType.STEP_ERROR) logger.error(serializeError(event.payload.error));
 * ```
 */
export function serializeError(value: unknown): SerializedError {
  return errorToJson(value, new Set());
}

/**
 * A copy of an event whose every value survives `JSON.stringify`: thrown values (the `STEP_ERROR`
 * payload's `error`, the `FINISH` payload's `errors[].cause`) become {@link SerializedError}s,
 * `bigint`s strings, `Map`s objects, `Set`s arrays, cycles `"[Circular]"`; functions and symbols
 * are dropped, as `JSON.stringify` drops them. The live event is not changed: in process, the
 * payload still holds the thrown value itself.
 *
 * @param event - an event of a run.
 * @returns the event as plain JSON data (same fields, same `type`).
 *
 * @example
 * ```ts
 * for await (const event of pipe.run(state)) log.write(`${JSON.stringify(toJsonEvent(event))}\n`);
 * ```
 */
export function toJsonEvent<State = unknown, Token = unknown>(event: PipeEvent<State, Token>): PipeEvent {
  // The fields every event has are plain data; only the payload and meta need converting. (Written
  // out rather than walked: this runs once per token when a run is served over HTTP.)
  return {
    type: event.type,
    stage: event.stage,
    payload: jsonField(event.payload),
    timestamp: event.timestamp,
    runId: event.runId,
    originRunId: event.originRunId,
    parentRunId: event.parentRunId,
    seq: event.seq,
    nodeKind: event.nodeKind,
    invocationId: event.invocationId,
    parentInvocationId: event.parentInvocationId,
    ownerInvocationId: event.ownerInvocationId,
    attempt: event.attempt,
    scope: event.scope,
    meta: event.meta === null ? null : jsonField(event.meta),
  } as PipeEvent;
}

/** A field as JSON-safe data: strings, booleans and finite numbers as they are, the rest walked. */
function jsonField(value: unknown): unknown {
  if (typeof value === "string" || typeof value === "boolean" || value === undefined || value === null)
    return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  return toJsonValue(value, new Set());
}

/** `value` as JSON-safe data; `ancestors` holds the objects being converted above it (for cycles). */
function toJsonValue(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Error) return errorToJson(object, ancestors);
  if (ancestors.has(object)) return CIRCULAR;
  ancestors.add(object);
  try {
    return objectToJson(object, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function objectToJson(object: object, ancestors: Set<object>): unknown {
  if (Array.isArray(object)) return object.map((item) => toJsonValue(item, ancestors) ?? null);
  if (typeof (object as { toJSON?: unknown }).toJSON === "function") {
    return toJsonValue((object as { toJSON(): unknown }).toJSON(), ancestors);
  }
  if (object instanceof Map) {
    const entries: Record<string, unknown> = {};
    for (const [key, item] of object) setOwnKey(entries, String(key), toJsonValue(item, ancestors));
    return entries;
  }
  if (object instanceof Set) return [...object].map((item) => toJsonValue(item, ancestors) ?? null);
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    return Array.from(object as unknown as ArrayLike<number | bigint>, (item) =>
      toJsonValue(item, ancestors),
    );
  }
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    const converted = toJsonValue((object as Record<string, unknown>)[key], ancestors);
    if (converted !== undefined) setOwnKey(result, key, converted);
  }
  return result;
}

function errorToJson(value: unknown, ancestors: Set<object>): SerializedError {
  if (!(value instanceof Error)) return nonErrorToJson(value, ancestors);
  if (ancestors.has(value)) return { name: "Circular", message: CIRCULAR };
  ancestors.add(value);
  try {
    const serialized: {
      -readonly [K in keyof SerializedError]: SerializedError[K];
    } = { name: errorName(value), message: String(value.message) };
    if (typeof value.stack === "string") serialized.stack = value.stack;
    const code = (value as { code?: unknown }).code;
    if (typeof code === "string" || typeof code === "number") serialized.code = code;
    if (value.cause !== undefined) serialized.cause = errorToJson(value.cause, ancestors);
    if (value instanceof AggregateError && Array.isArray(value.errors)) {
      serialized.errors = value.errors.map((error: unknown) => errorToJson(error, ancestors));
    }
    const details: Record<string, unknown> = {};
    let hasDetails = false;
    for (const key of Object.keys(value)) {
      if (KNOWN_ERROR_KEYS.has(key)) continue;
      const converted = toJsonValue((value as unknown as Record<string, unknown>)[key], ancestors);
      if (converted === undefined) continue;
      setOwnKey(details, key, converted);
      hasDetails = true;
    }
    if (hasDetails) serialized.details = details;
    return serialized;
  } finally {
    ancestors.delete(value);
  }
}

/** `name`, or the class's name for a subclass that left `name` as `"Error"`. */
function errorName(error: Error): string {
  const name = String(error.name || "Error");
  const className = error.constructor?.name;
  return name === "Error" && typeof className === "string" && className !== "" ? className : name;
}

function nonErrorToJson(value: unknown, ancestors: Set<object>): SerializedError {
  const thrown = toJsonValue(value, ancestors);
  const message = typeof thrown === "string" ? thrown : describeThrown(value, thrown);
  return thrown === undefined ? { name: "NonError", message } : { name: "NonError", message, thrown };
}

function describeThrown(value: unknown, thrown: unknown): string {
  if (thrown === undefined) return String(value);
  try {
    return JSON.stringify(thrown);
  } catch {
    return String(value);
  }
}
