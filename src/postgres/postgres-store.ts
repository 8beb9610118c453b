import type { Pool, PoolClient } from "pg";
import {
  AmbiguousRunIdError,
  type Checkpoint,
  type DeleteQuery,
  type EventQuery,
  type FollowOptions,
  type PipelineRecord,
  type PipelineSummary,
  RunExistsError,
  type RunQuery,
  type RunRecord,
  type Store,
  type StoredEvent,
  StoreError,
  type WriteBatch,
} from "../index.js";
import { normalizeDeleteQuery, normalizeRunQuery } from "../store/query.js";
import {
  type Row,
  rowToCheckpoint,
  rowToEvent,
  rowToPipeline,
  rowToRun,
  runWhere,
} from "../store/sql-rows.js";
import { loadPg, migratePostgres, postgresStoreError, quoteSchema, redact } from "./connect.js";
import { followWithNotifications } from "./events.js";
import { batchStatement } from "./write-batch.js";

/** Options of {@link PostgresStore}: a connection string or your own pool. */
export interface PostgresStoreOptions {
  /** A `postgres://` URL. @default process.env.DATABASE_URL */
  readonly connectionString?: string;
  /** A `pg` Pool to use instead (the store does not end it on `close()`). */
  readonly pool?: Pool;
  /** The schema that holds the tables (created if missing). @default "justpipe" */
  readonly schema?: string;
  /** The clock for leases and `updatedAt`, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

/**
 * A {@link Store} in PostgreSQL (pg ^8, an optional peer dependency), in its own schema: for teams
 * and for many processes writing at once. `followEvents` wakes on `LISTEN`/`NOTIFY`.
 *
 * @example
 * ```ts
 * import { PostgresStore } from "justpipe/postgres";
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL, schema: "justpipe" });
 * for await (const event of pipe.run(state, { store, durability: "step" })) {}
 * await store.close();
 * ```
 */
export class PostgresStore implements Store {
  /** The server URL (password hidden) and schema. */
  readonly location: string;
  readonly #schema: string;
  readonly #s: string;
  readonly #now: () => number;
  readonly #connectionString: string | undefined;
  readonly #ownPool: boolean;
  #pool: Pool | undefined;
  #ready: Promise<Pool> | undefined;
  // Definitions this store has written: a run of a known pipe does not send its describe() again.
  readonly #storedPipelines = new Set<string>();

  /**
   * Creates the store; it connects (and migrates) on `init()` or the first call.
   *
   * @param options - `connectionString` or `pool`, `schema`, `now`.
   * @throws TypeError for a schema name that is not a plain identifier.
   * @throws StoreError when neither a connection string, `DATABASE_URL` nor a pool is given.
   */
  constructor(options: PostgresStoreOptions = {}) {
    this.#schema = options.schema ?? "justpipe";
    this.#s = quoteSchema(this.#schema);
    this.#now = options.now ?? Date.now;
    this.#connectionString =
      options.connectionString ?? (options.pool ? undefined : process.env.DATABASE_URL);
    this.#pool = options.pool;
    this.#ownPool = options.pool === undefined;
    const server = this.#connectionString ? redact(this.#connectionString) : "the given pool";
    this.location = `${server} (schema ${this.#schema})`;
    if (!options.pool && !this.#connectionString) {
      throw new StoreError(
        this.location,
        "PostgresStore needs a connectionString (or a pool, or the DATABASE_URL environment variable).",
      );
    }
  }

  /** Connects and applies pending migrations (under an advisory lock). */
  async init(): Promise<void> {
    await this.#open();
  }

  #open(): Promise<Pool> {
    this.#ready ??= this.#connect().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #connect(): Promise<Pool> {
    if (!this.#pool) {
      const pg = await loadPg(this.location);
      const pool = new pg.Pool({ connectionString: this.#connectionString, connectionTimeoutMillis: 10_000 });
      // An idle connection the server ends (a restart, pg_terminate_backend) must not crash the
      // process: the pool drops it and the next query connects again.
      pool.on("error", () => undefined);
      this.#pool = pool;
    }
    await migratePostgres(this.#pool, this.#schema, this.location);
    return this.#pool;
  }

  async #query<R extends Row = Row>(action: string, sql: string, params: unknown[] = []): Promise<R[]> {
    const pool = await this.#open();
    try {
      return (await pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw postgresStoreError(error, this.location, action);
    }
  }

  async #transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const pool = await this.#open();
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw postgresStoreError(error, this.location, "connect to");
    }
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      broken = await client.query("ROLLBACK").then(
        () => false,
        () => true,
      );
      if (error instanceof RunExistsError) throw error;
      throw postgresStoreError(error, this.location, "write to");
    } finally {
      client.release(broken);
    }
  }

  /**
   * Commits the batch as one statement (one round trip) and notifies followers; a retried batch
   * changes nothing.
   */
  async write(batch: WriteBatch): Promise<void> {
    const pool = await this.#open();
    try {
      await this.#writeBatch(pool, batch);
    } catch (error) {
      throw postgresStoreError(error, this.location, "write to");
    }
    if (batch.pipeline) this.#storedPipelines.add(batch.pipeline.hash); // committed
  }

  async #writeBatch(client: Pool | PoolClient, batch: WriteBatch, lease?: RunRecord): Promise<void> {
    const pipeline = batch.pipeline !== undefined && !this.#storedPipelines.has(batch.pipeline.hash);
    const { sql, params } = batchStatement(this.#s, batch, this.#now(), {
      ...(lease ? { lease } : {}),
      pipeline,
      schemaName: this.#schema,
    });
    await client.query(sql, params);
  }

  /** Stores a new run; `RunExistsError` when its id is taken. */
  createRun(run: RunRecord, pipeline?: PipelineRecord, checkpoint?: Checkpoint): Promise<void> {
    return this.#transaction(async (client) => {
      const existing = await client.query(`SELECT 1 FROM ${this.#s}.runs WHERE run_id = $1`, [run.runId]);
      if (existing.rowCount) throw new RunExistsError(run.runId, this.location);
      await this.#writeBatch(
        client,
        { run, ...(pipeline ? { pipeline } : {}), ...(checkpoint ? { checkpoint } : {}) },
        run,
      );
    }).catch((error: unknown) => {
      // Two creators racing past the check: the loser's insert hits the primary key.
      const cause = (error as { cause?: { code?: string } }).cause;
      if (cause?.code === "23505") throw new RunExistsError(run.runId, this.location);
      throw error;
    });
  }

  /** The run with this id or unique prefix. */
  async getRun(idOrPrefix: string): Promise<RunRecord | undefined> {
    const [exact] = await this.#query("read", `SELECT * FROM ${this.#s}.runs WHERE run_id = $1`, [
      idOrPrefix,
    ]);
    if (exact) return rowToRun(exact);
    if (idOrPrefix === "") return undefined;
    const rows = await this.#prefixRows(idOrPrefix, 10);
    if (rows.length > 1)
      throw new AmbiguousRunIdError(
        idOrPrefix,
        rows.map((row) => String(row.run_id)),
      );
    return rows.length === 1 ? rowToRun(rows[0]!) : undefined;
  }

  #prefixRows(prefix: string, limit: number): Promise<Row[]> {
    return this.#query(
      "read",
      `SELECT * FROM ${this.#s}.runs WHERE run_id >= $1 AND run_id < $2 ORDER BY run_id LIMIT $3`,
      [prefix, `${prefix}\uffff`, limit],
    );
  }

  /** Run ids starting with `prefix`, sorted. */
  async findRunIds(prefix: string, limit = 10): Promise<string[]> {
    return (await this.#prefixRows(prefix, limit)).map((row) => String(row.run_id));
  }

  /** Runs matching the query, newest first. */
  async listRuns(query?: RunQuery): Promise<RunRecord[]> {
    const normalized = normalizeRunQuery(query);
    const where = runWhere(normalized, (index) => `$${index}`, 1, `${this.#s}.runs`, "postgres");
    const next = where.params.length + 1;
    const rows = await this.#query(
      "read",
      `SELECT * FROM ${this.#s}.runs ${where.sql} ORDER BY started_at DESC, run_id DESC LIMIT $${next} OFFSET $${next + 1}`,
      [...where.params, normalized.limit, normalized.offset],
    );
    return rows.map(rowToRun);
  }

  /** How many runs match. */
  async countRuns(query?: RunQuery): Promise<number> {
    const where = runWhere(
      normalizeRunQuery(query),
      (index) => `$${index}`,
      1,
      `${this.#s}.runs`,
      "postgres",
    );
    const [row] = await this.#query(
      "read",
      `SELECT count(*) AS count FROM ${this.#s}.runs ${where.sql}`,
      where.params,
    );
    return Number(row?.count ?? 0);
  }

  /** The run's events in seq order. */
  async getEvents(runId: string, query: EventQuery = {}): Promise<StoredEvent[]> {
    const conditions = ["run_id = $1", "seq > $2"];
    const params: unknown[] = [runId, query.afterSeq ?? 0];
    if (query.types) {
      params.push([...query.types]);
      conditions.push(`type = ANY($${params.length}::text[])`);
    }
    if (query.steps) {
      params.push([...query.steps]);
      conditions.push(`stage = ANY($${params.length}::text[])`);
    }
    let sql = `SELECT * FROM ${this.#s}.events WHERE ${conditions.join(" AND ")} ORDER BY seq`;
    if (query.limit !== undefined) {
      params.push(query.limit);
      sql += ` LIMIT $${params.length}`;
    }
    return (await this.#query("read", sql, params)).map(rowToEvent);
  }

  /** Stored then new events (woken by `NOTIFY`), until the run has ended. */
  followEvents(runId: string, options?: FollowOptions): AsyncIterable<StoredEvent> {
    return followWithNotifications(this, () => this.#open(), this.#schema, runId, options);
  }

  /** Every definition with its run count and latest run. */
  async listPipelines(): Promise<PipelineSummary[]> {
    const rows = await this.#query(
      "read",
      `SELECT p.hash, p.name, p.first_seen, count(r.run_id) AS run_count, max(r.started_at) AS last_run_at
       FROM ${this.#s}.pipelines p LEFT JOIN ${this.#s}.runs r ON r.pipe_hash = p.hash
       GROUP BY p.hash, p.name, p.first_seen ORDER BY last_run_at DESC NULLS LAST, p.first_seen DESC`,
    );
    return rows.map((row) => ({
      hash: String(row.hash),
      name: String(row.name),
      firstSeen: Number(row.first_seen),
      runCount: Number(row.run_count),
      lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
    }));
  }

  /** The definition with this hash. */
  async getPipeline(hash: string): Promise<PipelineRecord | undefined> {
    const [row] = await this.#query("read", `SELECT * FROM ${this.#s}.pipelines WHERE hash = $1`, [hash]);
    return row && rowToPipeline(row);
  }

  /** The newest checkpoint of the run's resume chain. */
  async loadCheckpoint(runOrThreadId: string): Promise<Checkpoint | undefined> {
    const [row] = await this.#query(
      "read",
      `SELECT c.* FROM ${this.#s}.checkpoints c JOIN ${this.#s}.runs r ON r.run_id = c.run_id
       WHERE c.thread_id = coalesce((SELECT thread_id FROM ${this.#s}.runs WHERE run_id = $1), $1)
       ORDER BY c.written_at DESC, r.started_at DESC LIMIT 1`,
      [runOrThreadId],
    );
    return row && rowToCheckpoint(row);
  }

  /** Takes the lease when free, expired or already `owner`'s (compare-and-set). */
  async claim(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const rows = await this.#query(
      "write to",
      `UPDATE ${this.#s}.runs SET owner = $1, lease_until = $2, updated_at = $3
       WHERE run_id = $4 AND (owner IS NULL OR owner = $1 OR lease_until IS NULL OR lease_until <= $3) RETURNING run_id`,
      [owner, now + ttlMs, now, runId],
    );
    return rows.length === 1;
  }

  /** Extends `owner`'s lease. */
  async renew(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.#now();
    const rows = await this.#query(
      "write to",
      `UPDATE ${this.#s}.runs SET lease_until = $1, updated_at = $2 WHERE run_id = $3 AND owner = $4 RETURNING run_id`,
      [now + ttlMs, now, runId, owner],
    );
    return rows.length === 1;
  }

  /** Gives up `owner`'s lease. */
  async release(runId: string, owner: string): Promise<boolean> {
    const rows = await this.#query(
      "write to",
      `UPDATE ${this.#s}.runs SET owner = NULL, lease_until = NULL, updated_at = $1 WHERE run_id = $2 AND owner = $3 RETURNING run_id`,
      [this.#now(), runId, owner],
    );
    return rows.length === 1;
  }

  /** Deletes matching runs; events and checkpoints go with them (foreign keys cascade). */
  async deleteRuns(query: DeleteQuery): Promise<number> {
    const where = runWhere(
      normalizeDeleteQuery(query),
      (index) => `$${index}`,
      1,
      `${this.#s}.runs`,
      "postgres",
    );
    if (query.dryRun) {
      const [row] = await this.#query(
        "read",
        `SELECT count(*) AS count FROM ${this.#s}.runs ${where.sql}`,
        where.params,
      );
      return Number(row?.count ?? 0);
    }
    const rows = await this.#query(
      "write to",
      `DELETE FROM ${this.#s}.runs ${where.sql} RETURNING run_id`,
      where.params,
    );
    return rows.length;
  }

  /** Ends the store's own pool (a given pool is left open); a later call connects again. */
  async close(): Promise<void> {
    const ready = this.#ready;
    this.#ready = undefined;
    await ready?.catch(() => undefined);
    if (this.#ownPool && this.#pool) {
      const pool = this.#pool;
      this.#pool = undefined;
      await pool.end();
    }
  }
}
