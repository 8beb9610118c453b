/**
 * `justpipe/postgres`: a run store in PostgreSQL, on pg ^8 (an optional peer dependency:
 * `npm install pg@8`).
 *
 * @packageDocumentation
 */
export { PostgresStore, type PostgresStoreOptions } from "./postgres-store.js";
