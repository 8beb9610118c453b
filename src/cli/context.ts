/**
 * What every command gets: the global options, colours for each stream, "now", and the store
 * location, plus helpers to open the store and find a run by id or prefix.
 */

import { AmbiguousRunIdError, closestRunIds, RunNotFoundError, type RunRecord, type Store } from "justpipe";
import { CommandError } from "./errors.js";
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

/**
 * Finds a run by full id or unique prefix. An unknown id lists the closest stored ids; an
 * ambiguous prefix lists the runs it matches.
 */
export async function findRun(context: CommandContext, store: Store, id: string): Promise<RunRecord> {
  let run: RunRecord | undefined;
  let suggestions: readonly string[] | undefined;
  try {
    run = await store.getRun(id);
  } catch (error) {
    if (error instanceof AmbiguousRunIdError) {
      const matches = error.matches;
      throw new CommandError(
        `run id "${id}" is ambiguous: it matches ${matches.length >= 10 ? "10 or more" : matches.length} runs`,
        {
          details: [...matches.map((match) => `  ${match}`), "Give more characters of the id."],
          cause: error,
        },
      );
    }
    if (!(error instanceof RunNotFoundError)) throw error;
    suggestions = error.suggestions;
  }
  if (run) return run;
  const closest = suggestions && suggestions.length > 0 ? suggestions : await closestRunIds(store, id, 5);
  const details =
    closest.length > 0
      ? ["Closest run ids:", ...closest.map((candidate) => `  ${candidate}`)]
      : (await store.countRuns()) === 0
        ? ["The store has no runs yet."]
        : ["No stored id shares its first character; `justpipe runs list` shows the newest runs."];
  throw new CommandError(`no run "${id}" in ${context.location.location}`, { details });
}
