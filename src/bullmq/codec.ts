import { deserialize, serialize } from "node:v8";

/**
 * Turns values (the state, map items, tokens, deltas) into text for a job or a stream entry and
 * back. Both sides of a queue must use the same codec (its `name` travels with every job).
 *
 * @example
 * ```ts
 * const jsonCodec: StateCodec = { name: "json", encode: JSON.stringify, decode: JSON.parse };
 * bullmqExecutor({ connection, codec: jsonCodec }); createWorker({ pipes, connection, codec: jsonCodec });
 * ```
 */
export interface StateCodec {
  /** Identifies the format; a worker refuses jobs encoded with another codec. */
  readonly name: string;
  /** Encodes a value; throws on a value the format cannot carry. */
  encode(value: unknown): string;
  /** Decodes what `encode` produced. */
  decode(text: string): unknown;
}

/**
 * The default codec: Node's structured serialisation (`node:v8`), base64 text. It carries what
 * `structuredClone` carries (JSON values, `undefined`, `Date`, `Map`, `Set`, `BigInt`, typed arrays,
 * cycles) and refuses functions and symbols. Class instances arrive as plain objects.
 */
export const v8Codec: StateCodec = Object.freeze({
  name: "v8",
  encode: (value: unknown): string => serialize(value).toString("base64"),
  decode: (text: string): unknown => deserialize(Buffer.from(text, "base64")),
});
