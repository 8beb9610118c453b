import { CodecError } from "../errors/store-errors.js";
import { setOwnKey } from "../events/own-key.js";

/**
 * Turns a run's state into stored data and back. The default, {@link jsonCodec}, is JSON extended
 * with `Date`, `Map`, `Set`, `BigInt`, `Uint8Array` and `undefined`; give your own to store class
 * instances (revive them with zod, a Standard Schema, or your constructors). `name` is stored with
 * each checkpoint; resuming with a codec of another name is refused.
 *
 * @example
 * ```ts
 * import v8 from "node:v8";
 * const v8Codec: Codec = { name: "v8", encode: (s) => v8.serialize(s), decode: (d) => v8.deserialize(d as Uint8Array) };
 * pipe.run(state, { store, codec: v8Codec });
 * ```
 */
export interface Codec<Value = unknown> {
  /** Stored with each checkpoint and checked on decode. */
  readonly name: string;
  /** Encodes a value; throws (naming where) when it cannot. */
  encode(value: Value): string | Uint8Array;
  /** Decodes what `encode` returned. */
  decode(data: string | Uint8Array): Value;
}

// A tagged value is an object whose only keys are TAG and "v"; a plain object that happens to
// have a TAG key is itself wrapped as { [TAG]: "object", v: ... }, so nothing is ambiguous.
const TAG = "$jp";
type Tagged = { [TAG]: string; v?: unknown };

const describeKey = (key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

const describeValue = (value: object): string => {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? `a ${name} instance` : "an object with a custom prototype";
};

const refuse = (path: string, what: string, fix: string): never => {
  throw new CodecError(path, `Cannot store ${path}: ${what}. ${fix}`);
};

const CODEC_FIX =
  "Keep it in ctx (never stored), convert it to plain data, or pass a codec (run(state, { codec })).";

const encodeNumber = (value: number): unknown => {
  if (Number.isFinite(value) && !Object.is(value, -0)) return value;
  return { [TAG]: "number", v: Object.is(value, -0) ? "-0" : String(value) };
};

const toBase64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

function encodeValue(value: unknown, path: string, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return encodeNumber(value);
    case "bigint":
      return { [TAG]: "BigInt", v: value.toString() };
    case "undefined":
      return { [TAG]: "undefined" };
    case "function":
      return refuse(path, `a function (${value.name || "anonymous"}) is code, not data`, CODEC_FIX);
    case "symbol":
      return refuse(path, `a symbol (${String(value)}) cannot be stored`, CODEC_FIX);
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) {
    return refuse(
      path,
      "it refers back to an object that contains it (a cycle)",
      "Break the cycle, or pass a codec.",
    );
  }
  ancestors.add(object);
  try {
    return encodeObject(object, path, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function encodeObject(object: object, path: string, ancestors: Set<object>): unknown {
  if (Array.isArray(object)) {
    const out: unknown[] = new Array(object.length);
    for (let index = 0; index < object.length; index++) {
      out[index] = encodeValue(object[index], `${path}[${index}]`, ancestors);
    }
    return out;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null)
    return encodePlain(object as Record<string, unknown>, path, ancestors);
  if (object instanceof Date) {
    const time = object.getTime();
    return { [TAG]: "Date", v: Number.isNaN(time) ? null : time };
  }
  if (proto === Map.prototype) {
    const entries: unknown[] = [];
    let index = 0;
    for (const [key, entry] of object as Map<unknown, unknown>) {
      const keyPath =
        typeof key === "string" || typeof key === "number" ? JSON.stringify(key) : `<key #${index}>`;
      entries.push([
        encodeValue(key, `${path}.keys()[${index}]`, ancestors),
        encodeValue(entry, `${path}.get(${keyPath})`, ancestors),
      ]);
      index++;
    }
    return { [TAG]: "Map", v: entries };
  }
  if (proto === Set.prototype) {
    const items: unknown[] = [];
    let index = 0;
    for (const item of object as Set<unknown>)
      items.push(encodeValue(item, `${path}<Set item #${index++}>`, ancestors));
    return { [TAG]: "Set", v: items };
  }
  if (proto === Uint8Array.prototype) return { [TAG]: "Uint8Array", v: toBase64(object as Uint8Array) };
  if (typeof Buffer !== "undefined" && Buffer.isBuffer(object))
    return { [TAG]: "Buffer", v: toBase64(object) };
  return refuse(
    path,
    `${describeValue(object)} would come back as a plain object without its methods`,
    "Store plain data (objects, arrays, Date, Map, Set, BigInt, Uint8Array), or pass a codec that revives your classes.",
  );
}

function encodePlain(object: Record<string, unknown>, path: string, ancestors: Set<object>): unknown {
  const symbols = Object.getOwnPropertySymbols(object).filter((symbol) =>
    Object.prototype.propertyIsEnumerable.call(object, symbol),
  );
  if (symbols.length > 0) {
    refuse(`${path}[${String(symbols[0])}]`, "a symbol key cannot be stored", CODEC_FIX);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object))
    setOwnKey(out, key, encodeValue(object[key], `${path}${describeKey(key)}`, ancestors));
  return Object.hasOwn(out, TAG) ? { [TAG]: "object", v: out } : out;
}

const fromBase64 = (text: string): Uint8Array => {
  const buffer = Buffer.from(text, "base64");
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength).slice();
};

function decodeTagged(tagged: Tagged, path: string): unknown {
  const payload = tagged.v;
  switch (tagged[TAG]) {
    case "undefined":
      return undefined;
    case "number":
      return Number(payload);
    case "BigInt":
      return BigInt(payload as string);
    case "Date":
      return new Date(payload === null ? Number.NaN : (payload as number));
    case "Map":
      return new Map(
        (payload as [unknown, unknown][]).map(([key, entry], index) => [
          decodeValue(key, `${path}.keys()[${index}]`),
          decodeValue(entry, `${path}.get(#${index})`),
        ]),
      );
    case "Set":
      return new Set(
        (payload as unknown[]).map((item, index) => decodeValue(item, `${path}<Set item #${index}>`)),
      );
    case "Uint8Array":
      return fromBase64(payload as string);
    case "Buffer":
      return Buffer.from(payload as string, "base64");
    case "object":
      return decodePlain(payload as Record<string, unknown>, path);
    default:
      throw new CodecError(
        path,
        `Cannot decode ${path}: unknown tag '${tagged[TAG]}'. The state was written by another codec or a newer justpipe; decode it with that codec.`,
      );
  }
}

function decodePlain(object: Record<string, unknown>, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object))
    setOwnKey(out, key, decodeValue(object[key], `${path}${describeKey(key)}`));
  return out;
}

function decodeValue(value: unknown, path: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item, index) => decodeValue(item, `${path}[${index}]`));
  if (Object.hasOwn(value, TAG)) return decodeTagged(value as Tagged, path);
  return decodePlain(value as Record<string, unknown>, path);
}

/**
 * Encodes a value to JSON-compatible data (tagged objects for the extended types), refusing what
 * would not come back the same. Used by {@link jsonCodec} and by stores for event payloads.
 *
 * @param value - the value to encode.
 * @param path - how to name the value in messages.
 * @throws {@link CodecError} naming the path of a function, symbol, class instance or cycle.
 */
export function toTaggedJson(value: unknown, path = "state"): unknown {
  return encodeValue(value, path, new Set());
}

/**
 * Reverses {@link toTaggedJson}. Unknown tags fail with a {@link CodecError}; no class is ever
 * revived from data.
 *
 * @param data - JSON data written by `toTaggedJson`.
 * @param path - how to name the value in messages.
 */
export function fromTaggedJson(data: unknown, path = "state"): unknown {
  return decodeValue(data, path);
}

const textDecoder = new TextDecoder();

/**
 * The default codec (`name: "json"`): JSON extended with `Date`, `Map`, `Set`, `BigInt`,
 * `Uint8Array` (and `Buffer`), `undefined`, `NaN`, `Infinity` and `-0`. It fails closed: a
 * function, a symbol, a class instance or a cycle is a `CodecError` with the path to the value
 * (`state.client: a OpenAI instance would come back as a plain object...`). Objects shared in two
 * places come back as two copies.
 *
 * @example
 * ```ts
 * const text = jsonCodec.encode({ at: new Date(0), tags: new Set(["a"]) });
 * jsonCodec.decode(text); // { at: Date(0), tags: Set { "a" } }
 * ```
 */
export const jsonCodec: Codec = {
  name: "json",
  encode: (value) => JSON.stringify(toTaggedJson(value)),
  decode: (data) => {
    const text = typeof data === "string" ? data : textDecoder.decode(data);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new CodecError("", `Cannot decode the stored state: it is not JSON (${String(error)}).`, {
        cause: error,
      });
    }
    return fromTaggedJson(parsed);
  },
};
