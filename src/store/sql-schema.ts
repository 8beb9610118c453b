/** The SQL dialects the stores speak. */
export type SqlDialect = "sqlite" | "postgres";

/** One schema version: statements that bring a database from the previous version to this one. */
export interface Migration {
  /** 1, 2, 3... in order; recorded in `schema_migrations`. */
  readonly version: number;
  /** What it does, for the ledger and for messages. */
  readonly name: string;
  /** The statements (each idempotent: `IF NOT EXISTS`), in order. */
  readonly statements: readonly string[];
}

interface Types {
  readonly time: string;
  readonly real: string;
  readonly bytes: string;
  readonly bool: string;
  readonly serial: string;
  readonly id: string;
}

const TYPES: Record<SqlDialect, Types> = {
  sqlite: {
    time: "INTEGER",
    real: "REAL",
    bytes: "BLOB",
    bool: "INTEGER",
    serial: "INTEGER PRIMARY KEY",
    id: "TEXT",
  },
  postgres: {
    // Times are ms since the epoch as doubles: exact for any date, and pg returns them as numbers.
    time: "DOUBLE PRECISION",
    real: "DOUBLE PRECISION",
    bytes: "BYTEA",
    bool: "BOOLEAN",
    serial: "BIGSERIAL PRIMARY KEY",
    // Byte order, so a run id prefix is a range scan of the primary key.
    id: 'TEXT COLLATE "C"',
  },
};

// Payloads, meta, describe() and frontiers are JSON text in both dialects: Postgres JSONB would
// reorder keys, refuse "\u0000" in strings and cost a parse per insert, and nothing queries inside.
const version1 = (t: Types): string[] => [
  `CREATE TABLE IF NOT EXISTS pipelines (
    hash ${t.id} PRIMARY KEY,
    name TEXT NOT NULL,
    describe TEXT NOT NULL,
    first_seen ${t.time} NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS runs (
    run_id ${t.id} PRIMARY KEY,
    thread_id ${t.id} NOT NULL,
    resumed_from TEXT,
    parent_run_id TEXT,
    pipe_name TEXT NOT NULL,
    pipe_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at ${t.time} NOT NULL,
    ended_at ${t.time},
    duration_ms ${t.real},
    failure_kind TEXT,
    failure_source TEXT,
    failed_step TEXT,
    error TEXT,
    suspended_step TEXT,
    suspend_reason TEXT,
    end_data TEXT,
    labels TEXT NOT NULL DEFAULT '{}',
    owner TEXT,
    lease_until ${t.time},
    last_seq INTEGER NOT NULL DEFAULT 0,
    updated_at ${t.time} NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS runs_started ON runs (started_at DESC, run_id DESC)",
  "CREATE INDEX IF NOT EXISTS runs_pipe ON runs (pipe_name, started_at DESC)",
  "CREATE INDEX IF NOT EXISTS runs_hash ON runs (pipe_hash, started_at DESC)",
  "CREATE INDEX IF NOT EXISTS runs_status ON runs (status, started_at DESC)",
  "CREATE INDEX IF NOT EXISTS runs_thread ON runs (thread_id, started_at)",
  `CREATE TABLE IF NOT EXISTS events (
    id ${t.serial},
    run_id ${t.id} NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    ts ${t.time} NOT NULL,
    type TEXT NOT NULL,
    stage TEXT NOT NULL,
    node_kind TEXT NOT NULL,
    invocation_id TEXT,
    parent_invocation_id TEXT,
    owner_invocation_id TEXT,
    attempt INTEGER NOT NULL,
    origin_run_id TEXT NOT NULL,
    parent_run_id TEXT,
    scope TEXT NOT NULL,
    meta TEXT,
    payload TEXT,
    coalesced_count INTEGER,
    coalesced_last_seq INTEGER,
    UNIQUE (run_id, seq)
  )`,
  "CREATE INDEX IF NOT EXISTS events_type ON events (run_id, type, seq)",
  "CREATE INDEX IF NOT EXISTS events_stage ON events (run_id, stage, seq)",
  `CREATE TABLE IF NOT EXISTS checkpoints (
    run_id ${t.id} PRIMARY KEY REFERENCES runs (run_id) ON DELETE CASCADE,
    thread_id ${t.id} NOT NULL,
    version INTEGER NOT NULL,
    pipe_hash TEXT NOT NULL,
    seq INTEGER NOT NULL,
    written_at ${t.time} NOT NULL,
    reason TEXT NOT NULL,
    quiescent ${t.bool} NOT NULL,
    codec TEXT NOT NULL,
    frontier TEXT NOT NULL,
    state_text TEXT,
    state_bytes ${t.bytes}
  )`,
  "CREATE INDEX IF NOT EXISTS checkpoints_thread ON checkpoints (thread_id, written_at DESC)",
];

// Version 2: cheaper writes, faster dashboard reads.
// - Events keep one index, UNIQUE (run_id, seq): the (run_id, type) and (run_id, stage) indexes
//   cost two more B-tree inserts per event for filters that scan one run's events in seq order
//   anyway (a `types` or `steps` filter reads that run's rows).
// - Runs filtered by status and pipe (the dashboard's list and its count) read one index range.
// - Search looks at the errors and failed steps of the runs that have one (partial indexes: a
//   successful run adds nothing to them) instead of reading every run.
const version2 = (): string[] => [
  "DROP INDEX IF EXISTS events_type",
  "DROP INDEX IF EXISTS events_stage",
  "CREATE INDEX IF NOT EXISTS runs_status_pipe ON runs (status, pipe_name, started_at DESC)",
  "CREATE INDEX IF NOT EXISTS runs_error ON runs (error) WHERE error IS NOT NULL",
  "CREATE INDEX IF NOT EXISTS runs_failed_step ON runs (failed_step) WHERE failed_step IS NOT NULL",
];

/**
 * The ledger every migration is recorded in; created before anything reads it.
 *
 * @param dialect - the SQL dialect.
 */
export const ledgerStatement = (dialect: SqlDialect): string =>
  `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${TYPES[dialect].time} NOT NULL)`;

/**
 * Every schema version, oldest first. Add a version at the end (never edit a released one) and a
 * fixture of the previous version under `test/store/fixtures/`.
 *
 * @param dialect - the SQL dialect.
 */
export function migrations(dialect: SqlDialect): readonly Migration[] {
  const types = TYPES[dialect];
  return [
    { version: 1, name: "runs, pipelines, events, checkpoints", statements: version1(types) },
    {
      version: 2,
      name: "fewer event indexes, run indexes for status and pipe, search",
      statements: version2(),
    },
  ];
}

/** The newest schema version this build knows. */
export const SCHEMA_VERSION = 2;
