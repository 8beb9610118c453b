import { createRequire } from "node:module";

type Crypto = typeof import("node:crypto");
let crypto: Crypto | undefined;

/**
 * `node:crypto`, loaded on first use: importing it costs more than the rest of the package, and
 * most imports of justpipe (a CLI's `--help`, a type check) never start a run.
 */
export function nodeCrypto(): Crypto {
  crypto ??= createRequire(import.meta.url)("node:crypto") as Crypto;
  return crypto;
}
