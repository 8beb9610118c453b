/**
 * `justpipe/sqlite`: a run store in one SQLite file, on better-sqlite3 ^12 (an optional peer
 * dependency: `npm install better-sqlite3@12`).
 *
 * @packageDocumentation
 */
export { DEFAULT_SQLITE_PATH } from "./open.js";
export { SqliteStore, type SqliteStoreOptions } from "./sqlite-store.js";
