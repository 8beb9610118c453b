import type { EventType } from "../events/types.js";
import type { Checkpoint } from "./checkpoint.js";
import type { PipelineRecord, PipelineSummary, RunRecord, RunStatus, StoredEvent } from "./records.js";

/**
 * What one `store.write()` commits in a single transaction. Writing the same batch twice changes
 * nothing the second time (events are unique per `(runId, seq)`), so a writer may retry after a
 * timeout.
 */
export interface WriteBatch {
  /** A definition to record (ignored when its hash is stored). */
  readonly pipeline?: PipelineRecord;
  /**
   * The run record to store (insert or replace). Its `owner`, `leaseUntil` and `lastSeq` are
   * ignored: leases change through `claim`/`renew`/`release` (and a record with a terminal status
   * releases the lease), and `lastSeq` follows the events.
   */
  readonly run?: RunRecord;
  /** Events to append. */
  readonly events?: readonly StoredEvent[];
  /** The run's new head checkpoint (replaces its previous one). */
  readonly checkpoint?: Checkpoint;
}

/** A moment: a `Date` or ms since the epoch. */
export type Instant = Date | number;

/** Which runs `listRuns`, `countRuns` and `deleteRuns` select; every field narrows the selection. */
export interface RunQuery {
  /** Runs of the pipe with this name. */
  readonly pipe?: string;
  /** Runs of the definition with this hash. */
  readonly pipeHash?: string;
  /** Runs with this status (or any of these). */
  readonly status?: RunStatus | readonly RunStatus[];
  /** Runs that started at or after this moment. */
  readonly since?: Instant;
  /** Runs that started before this moment. */
  readonly until?: Instant;
  /** Runs whose id starts with this. */
  readonly idPrefix?: string;
  /** The runs of one resume chain. */
  readonly threadId?: string;
  /**
   * Text to look for, case-insensitively: runs whose id starts with it, or whose pipe name, error
   * or failed step contains it.
   */
  readonly search?: string;
  /** At most this many runs. @default 50 */
  readonly limit?: number;
  /** Skip this many (for pages). @default 0 */
  readonly offset?: number;
}

/** Which runs `deleteRuns` removes (with their events and checkpoints). */
export interface DeleteQuery {
  /** Runs that started before this moment. */
  readonly olderThan?: Instant;
  /**
   * Runs with this status. Without it, every status except `"running"` (a running run is deleted
   * only when asked for by status).
   */
  readonly status?: RunStatus | readonly RunStatus[];
  /** Runs of the pipe with this name. */
  readonly pipe?: string;
  /** Count what would be deleted, delete nothing. @default false */
  readonly dryRun?: boolean;
}

/** Which events `getEvents` returns, in `seq` order. */
export interface EventQuery {
  /** Events with a greater `seq`. @default 0 */
  readonly afterSeq?: number;
  /** Events of these types. */
  readonly types?: readonly EventType[];
  /** Events of these stages (step names, `"system"`, `"<sub>:<step>"`). */
  readonly steps?: readonly string[];
  /** At most this many. Without it, all of them. */
  readonly limit?: number;
}

/** How `followEvents` waits for new events. */
export interface FollowOptions {
  /** Start after this `seq`. @default 0 */
  readonly afterSeq?: number;
  /** Stop following when it aborts (the iteration ends quietly). */
  readonly signal?: AbortSignal;
  /** How often to look for new events, in milliseconds (polling stores). @default 200 */
  readonly pollInterval?: number;
}

/**
 * Where durable runs are kept: run records, events, pipeline definitions, checkpoints and leases.
 * `MemoryStore` (core), `SqliteStore` (`justpipe/sqlite`) and `PostgresStore`
 * (`justpipe/postgres`) implement it and pass one contract suite; the command line and the
 * dashboard read through it. Every method opens the store first if needed (`init` is idempotent).
 *
 * @example
 * ```ts
 * const store = new SqliteStore();
 * const [latest] = await store.listRuns({ pipe: "ingest", limit: 1 });
 * for (const event of await store.getEvents(latest.runId, { types: ["step_error"] })) console.log(event);
 * await store.close();
 * ```
 */
export interface Store {
  /** Where the store is (a file path, `memory`, a URL without password), for messages. */
  readonly location: string;
  /** Opens the store and brings its schema up to date (under a lock; safe to call again). */
  init(): Promise<void>;
  /** Commits a batch in one transaction; idempotent on retry. */
  write(batch: WriteBatch): Promise<void>;
  /**
   * Stores a new run (and its definition, and its first checkpoint) in one transaction. Fails with
   * `RunExistsError` naming the id when it exists. The record's `owner`/`leaseUntil` are stored as
   * given: the creator holds the lease.
   */
  createRun(run: RunRecord, pipeline?: PipelineRecord, checkpoint?: Checkpoint): Promise<void>;
  /**
   * The run with this id, or the one run whose id starts with it; `undefined` when none does.
   * Throws `AmbiguousRunIdError` (listing the matches) when a prefix matches several.
   */
  getRun(idOrPrefix: string): Promise<RunRecord | undefined>;
  /**
   * Up to `limit` run ids starting with `prefix`, sorted. With `closestRunIds` a command line can
   * suggest ids for one it does not know.
   */
  findRunIds(prefix: string, limit?: number): Promise<string[]>;
  /** Runs matching the query, newest first. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /** How many runs match the query (`limit`/`offset` ignored). */
  countRuns(query?: RunQuery): Promise<number>;
  /** A run's stored events in `seq` order (the run id must be exact). */
  getEvents(runId: string, query?: EventQuery): Promise<StoredEvent[]>;
  /**
   * A run's stored events, then each event as it is stored, until the run has ended and every
   * event has been read (or `signal` aborts). Throws `RunNotFoundError` for an unknown run.
   */
  followEvents(runId: string, options?: FollowOptions): AsyncIterable<StoredEvent>;
  /** Every stored definition with its run count and latest run, most recent first. */
  listPipelines(): Promise<PipelineSummary[]>;
  /** The stored definition with this hash (its `describe()`), or `undefined`. */
  getPipeline(hash: string): Promise<PipelineRecord | undefined>;
  /**
   * The newest checkpoint of the resume chain that the run (or thread id) belongs to, or
   * `undefined` when none was written.
   */
  loadCheckpoint(runOrThreadId: string): Promise<Checkpoint | undefined>;
  /**
   * Takes the run's lease for `owner` for `ttlMs` when nobody holds it, `owner` holds it, or the
   * holder's lease has expired (compare-and-set). False when another owner holds a live lease or
   * the run does not exist.
   */
  claim(runId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends `owner`'s lease; false when `owner` no longer holds it. */
  renew(runId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `owner` holds it; false otherwise. */
  release(runId: string, owner: string): Promise<boolean>;
  /** Deletes runs (events and checkpoints included); returns how many (would be) deleted. */
  deleteRuns(query: DeleteQuery): Promise<number>;
  /** Releases connections and file handles; the store can be opened again with `init`. */
  close(): Promise<void>;
}
