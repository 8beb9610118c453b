import { deserialize, serialize } from "node:v8";
import { type Codec, jsonCodec } from "../index.js";

/**
 * A codec as the wire uses it: text both ways. Built from a {@link Codec} (the one stores use):
 * text stays text, bytes travel as base64.
 */
export interface WireCodec {
  /** The codec's name; a worker refuses jobs encoded with another. */
  readonly name: string;
  encode(value: unknown): string;
  decode(text: string): unknown;
}

/** The wire form of a codec (the default: justpipe's `jsonCodec`, the codec of stored runs). */
export function wireCodec(codec: Codec = jsonCodec): WireCodec {
  return {
    name: codec.name,
    encode: (value) => {
      const encoded = codec.encode(value);
      return typeof encoded === "string" ? `s${encoded}` : `b${Buffer.from(encoded).toString("base64")}`;
    },
    decode: (text) =>
      codec.decode(text[0] === "b" ? new Uint8Array(Buffer.from(text.slice(1), "base64")) : text.slice(1)),
  };
}

/**
 * Node's structured serialisation (`node:v8`) as a codec: often faster than the default
 * `jsonCodec` for large states. It carries what `structuredClone` carries (cycles included) and
 * turns class instances into plain objects without saying so. Give it to the executor and the
 * workers alike.
 *
 * @example
 * ```ts
 * bullmqExecutor({ connection, codec: v8Codec }); createWorker({ pipes, connection, codec: v8Codec });
 * ```
 */
export const v8Codec: Codec = Object.freeze({
  name: "v8",
  encode: (value: unknown): Uint8Array => serialize(value),
  decode: (data: string | Uint8Array): unknown =>
    deserialize(typeof data === "string" ? Buffer.from(data, "base64") : data),
});
