/**
 * What every command gets: the global options, colours for each stream, "now", and the store
 * location, and a helper that opens the store for one command. Nothing here loads the library: the
 * command modules do, when their command runs.
 */

import type { Store } from "justpipe";
import { guardStore, openStore, resolveStoreLocation, type StoreLocation } from "./open-store.js";
import { type Colors, colorsFor } from "./output.js";
import { now } from "./time.js";

/** The options every command accepts (set on the program). */
export interface GlobalOptions {
  readonly store?: string;
  readonly debug?: boolean;
}

/** Shared by the commands of one invocation of `justpipe`. */
export interface CommandContext {
  /** Colours for stdout. */
  readonly colors: Colors;
  /** Colours for stderr. */
  readonly errorColors: Colors;
  /** "Now" for relative times (`JUSTPIPE_NOW` in tests). */
  readonly now: number;
  readonly location: StoreLocation;
  readonly debug: boolean;
}

/** Builds the context from the global options. */
export function createContext(options: GlobalOptions): CommandContext {
  return {
    colors: colorsFor(process.stdout),
    errorColors: colorsFor(process.stderr),
    now: now(),
    location: resolveStoreLocation(options.store),
    debug: options.debug === true,
  };
}

/**
 * Opens the store, runs `work` with it and closes it, turning driver failures into one clear line.
 */
export async function withStore<T>(
  context: CommandContext,
  work: (store: Store) => Promise<T>,
  options: { create?: boolean } = {},
): Promise<T> {
  const store = await guardStore(context.location, () => openStore(context.location, options));
  try {
    return await guardStore(context.location, () => work(store));
  } finally {
    await store.close().catch(() => undefined);
  }
}
