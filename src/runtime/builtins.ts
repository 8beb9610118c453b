/**
 * Node's builtin modules, loaded on first use with `process.getBuiltinModule` (Node >= 20.16):
 * importing `node:crypto` or `node:util` up front costs more than loading the rest of the package,
 * and most imports of justpipe (a CLI's `--help`, a type check) never need them.
 */
export function nodeCrypto(): typeof import("node:crypto") {
  return process.getBuiltinModule("node:crypto");
}

/** `node:util`, loaded on first use (see {@link nodeCrypto}). */
export function nodeUtil(): typeof import("node:util") {
  return process.getBuiltinModule("node:util");
}
