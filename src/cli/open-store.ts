/**
 * Store selection: `--store <file | postgres://…>`, else `JUSTPIPE_STORE`, else `./.justpipe/runs.db`
 * (the library's own default), opened through `justpipe/sqlite` or `justpipe/postgres`.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Store } from "justpipe";
import { CommandError } from "./errors.js";

/** The default store file, relative to the working directory (the same default `SqliteStore` uses). */
export const DEFAULT_STORE_PATH = "./.justpipe/runs.db";

/** Where a store location came from, for messages. */
export type StoreOrigin = "--store" | "JUSTPIPE_STORE" | "default";

/** A resolved store location. */
export interface StoreLocation {
  readonly kind: "sqlite" | "postgres";
  /** The file path (absolute) or the connection string. */
  readonly location: string;
  readonly origin: StoreOrigin;
}

/** Picks the store location from the flag, the environment or the default. */
export function resolveStoreLocation(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): StoreLocation {
  const [text, origin]: [string, StoreOrigin] =
    flag !== undefined && flag !== ""
      ? [flag, "--store"]
      : env.JUSTPIPE_STORE
        ? [env.JUSTPIPE_STORE, "JUSTPIPE_STORE"]
        : [DEFAULT_STORE_PATH, "default"];
  if (/^postgres(ql)?:\/\//.test(text)) return { kind: "postgres", location: text, origin };
  return { kind: "sqlite", location: resolve(text), origin };
}

/** The location for messages: a Postgres URL without its password. */
export function describeLocation(location: StoreLocation): string {
  if (location.kind === "sqlite") return location.location;
  try {
    const url = new URL(location.location);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "the Postgres connection string";
  }
}

/**
 * Opens the store. For reading (`create: false`) a missing SQLite file is an error that says where
 * it looked and how to make one, instead of creating an empty database.
 */
export async function openStore(location: StoreLocation, options: { create?: boolean } = {}): Promise<Store> {
  let store: Store;
  if (location.kind === "sqlite") {
    if (!options.create && !existsSync(location.location)) throw missingStore(location);
    const sqlite = await importDriver("justpipe/sqlite", "better-sqlite3");
    const busy = process.env.JUSTPIPE_BUSY_TIMEOUT;
    store = new sqlite.SqliteStore({
      path: location.location,
      ...(busy !== undefined && busy !== "" && { busyTimeout: Number(busy) }),
    });
  } else {
    const postgres = await importDriver("justpipe/postgres", "pg");
    // `?schema=name` picks the schema (default "justpipe"); the rest is pg's connection string.
    const url = new URL(location.location);
    const schema = url.searchParams.get("schema");
    url.searchParams.delete("schema");
    store = new postgres.PostgresStore({
      connectionString: url.toString(),
      ...(schema !== null && { schema }),
    });
  }
  try {
    await store.init();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw storeFailure(location, error);
  }
  return store;
}

function missingStore(location: StoreLocation): CommandError {
  const from =
    location.origin === "default"
      ? "the default: no --store given and JUSTPIPE_STORE is not set"
      : location.origin === "--store"
        ? "from --store"
        : "from JUSTPIPE_STORE";
  return new CommandError(`no store at ${location.location} (${from})`, {
    details: [
      "Runs are stored when a pipeline runs with a store: `justpipe run <module>` or",
      "`pipe.run(state, { store: new SqliteStore() })`; or point --store / JUSTPIPE_STORE at an existing file or postgres:// URL.",
    ],
  });
}

async function importDriver(entry: string, driver: string): Promise<any> {
  try {
    return await import(entry);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes(`'${driver}'`) || message.includes(`"${driver}"`)) {
      throw new CommandError(`${entry} needs the "${driver}" package: npm install ${driver}`, {
        cause: error,
      });
    }
    throw new CommandError(`cannot load ${entry}: ${message.split("\n")[0]}`, { cause: error });
  }
}

/** Runs a store operation, turning driver failures (corrupt, locked, unreachable) into one clear line. */
export async function guardStore<T>(location: StoreLocation, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw storeFailure(location, error);
  }
}

/** Explains a store failure in one line naming the store. */
export function storeFailure(location: StoreLocation, error: unknown): unknown {
  if (error instanceof CommandError) return error;
  const where = describeLocation(location);
  const code = String((error as { code?: unknown })?.code ?? "");
  const message = error instanceof Error ? error.message : String(error);
  const text = `${code} ${message}`;
  if (/NOTADB|not a database|malformed|CORRUPT/i.test(text)) {
    return new CommandError(
      `${where} is not a justpipe store (the file is not a SQLite database or is corrupt)`,
      {
        cause: error,
      },
    );
  }
  if (/BUSY|LOCKED|database is locked/i.test(text)) {
    return new CommandError(`${where} is locked by another process; try again when it is done`, {
      cause: error,
    });
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|connect/i.test(text) && location.kind === "postgres") {
    return new CommandError(
      `cannot reach Postgres at ${where} (${code || message}); is the server running?`,
      {
        cause: error,
      },
    );
  }
  if (/password authentication|does not exist/i.test(message) && location.kind === "postgres") {
    return new CommandError(`Postgres at ${where}: ${message}`, { cause: error });
  }
  return error;
}
