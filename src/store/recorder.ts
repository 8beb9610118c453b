import type { PipelineEndData } from "../events/outcome.js";
import type { Checkpoint } from "./checkpoint.js";
import type { PipelineRecord, RunRecord, StoredEvent } from "./records.js";
import type { Store } from "./store.js";

/** How `TOKEN` events are stored: one row per invocation per flush (default), one per token, or none. */
export type TokenPersistence = "coalesced" | "all" | "none";

/** Options of {@link RunRecorder}. */
export interface RunRecorderOptions {
  /** Where to write. */
  readonly store: Store;
  /** The run as it starts (status `"running"`, with the lease owner). */
  readonly run: RunRecord;
  /** The pipe's definition. */
  readonly pipeline: PipelineRecord;
  /** How tokens are stored. @default "coalesced" */
  readonly tokens?: TokenPersistence;
  /** Flush at most this long after the first buffered event, in milliseconds. @default 50 */
  readonly flushInterval?: number;
  /** Flush as soon as this many rows are buffered. @default 256 */
  readonly maxBatch?: number;
  /** The lease length; it is renewed every third of it while the run lives. @default 30000 */
  readonly leaseTtl?: number;
}

interface MutableToken {
  seq: number;
  event: StoredEvent;
  payloads: unknown[];
  lastSeq: number;
}

/**
 * Writes one run to a store off the run's hot path: events are buffered and written in batches
 * (one transaction each, at most `flushInterval` ms or `maxBatch` rows late), tokens coalesced per
 * invocation, checkpoints ride along with the next batch. Writes never overlap; a failed batch is
 * kept and retried with the next one, and the failure is remembered (`failures`) so the run's
 * `FINISH` can say persistence failed. Nothing here throws into the run except `open()`.
 */
export class RunRecorder {
  readonly #store: Store;
  readonly #tokens: TokenPersistence;
  readonly #flushInterval: number;
  readonly #maxBatch: number;
  readonly #leaseTtl: number;
  #run: RunRecord;
  readonly #pipeline: PipelineRecord;
  #rows: (StoredEvent | MutableToken)[] = [];
  #openTokens = new Map<string, MutableToken>();
  #checkpoint: Checkpoint | undefined;
  #checkpointSource: (() => Checkpoint | undefined) | undefined;
  // Events of a failed write, sent again (first) with the next batch.
  #pending: StoredEvent[] = [];
  #runChanged = false;
  #pipelinePending = false;
  #flushQueued = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #leaseTimer: ReturnType<typeof setInterval> | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #failures: unknown[] = [];

  /**
   * Creates a recorder; nothing is written before `open()`.
   *
   * @param options - the store, the run and pipeline records, and batching options.
   */
  constructor(options: RunRecorderOptions) {
    this.#store = options.store;
    this.#run = options.run;
    this.#pipeline = options.pipeline;
    this.#tokens = options.tokens ?? "coalesced";
    this.#flushInterval = options.flushInterval ?? 50;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#leaseTtl = options.leaseTtl ?? 30_000;
  }

  /** The run as last recorded. */
  get run(): RunRecord {
    return this.#run;
  }

  /** Errors of writes that failed (retried with the next batch; still failing if not cleared). */
  get failures(): readonly unknown[] {
    return this.#failures;
  }

  /**
   * Stores the run (and its definition, and a first checkpoint) and starts renewing its lease.
   *
   * @param checkpoint - the checkpoint to store with the run (`durability` "step" and "sync").
   * @throws RunExistsError when the run id is taken; StoreError when the store cannot be written.
   */
  async open(checkpoint?: Checkpoint): Promise<void> {
    await this.#store.createRun(this.#run, this.#pipeline, checkpoint);
    this.#renewLease();
  }

  #renewLease(): void {
    if (this.#run.owner === null) return;
    const owner = this.#run.owner;
    this.#leaseTimer = setInterval(() => {
      this.#store
        .renew(this.#run.runId, owner, this.#leaseTtl)
        .catch((error: unknown) => this.#failures.push(error));
    }, this.#leaseTtl / 3);
    this.#leaseTimer.unref?.();
  }

  /**
   * Takes over a run record that exists (one `pipe.start()` created, whose lease `owner` already
   * claimed): writes the record with the first batch and starts renewing the lease.
   */
  adopt(): void {
    this.#runChanged = true;
    this.#pipelinePending = true;
    this.#renewLease();
  }

  /**
   * Stores the run (and its definition) with the first batch instead of at once: one transaction
   * less for a short run. No lease is taken (a run without checkpoints until its end cannot be
   * taken over anyway), and a taken run id is not detected: only for generated ids.
   */
  openLazily(): void {
    this.#run = { ...this.#run, owner: null, leaseUntil: null };
    this.#runChanged = true;
    this.#pipelinePending = true;
  }

  /**
   * Buffers an event (converted to its stored form by the caller) and schedules a flush.
   *
   * @param event - the event, JSON-safe.
   */
  record(event: StoredEvent): void {
    if (event.type === "token") {
      if (this.#tokens === "none") return;
      if (this.#tokens === "coalesced" && event.invocationId !== null) {
        const key = `${event.originRunId}|${event.invocationId}`;
        const open = this.#openTokens.get(key);
        if (open) {
          open.payloads.push(event.payload);
          open.lastSeq = event.seq;
          return;
        }
        const row: MutableToken = { seq: event.seq, event, payloads: [event.payload], lastSeq: event.seq };
        this.#openTokens.set(key, row);
        this.#rows.push(row);
        this.#schedule();
        return;
      }
    }
    this.#rows.push(event);
    this.#schedule();
  }

  /**
   * Replaces the run record to write with the next batch (status, end data...).
   *
   * @param run - the new record.
   */
  updateRun(run: RunRecord): void {
    this.#run = run;
    this.#runChanged = true;
    this.#schedule();
  }

  /**
   * Asks for a checkpoint with the next batch: `source` is called when the batch is written, so the
   * checkpoint covers every event in it (a step whose end is stored is never re-run by a resume).
   *
   * @param source - builds the checkpoint (undefined when it cannot: nothing is written then).
   */
  requestCheckpoint(source: () => Checkpoint | undefined): void {
    this.#checkpointSource = source;
    this.#schedule();
  }

  /**
   * Sets the checkpoint to write with the next batch (a newer one replaces it).
   *
   * @param checkpoint - the checkpoint.
   */
  setCheckpoint(checkpoint: Checkpoint): void {
    this.#checkpoint = checkpoint;
    // It is newer than a step checkpoint asked for before (the exit checkpoint must not be replaced).
    this.#checkpointSource = undefined;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#rows.length >= this.#maxBatch && !this.#flushQueued) {
      // After the caller's synchronous turn, not inside it: a checkpoint is built at flush time,
      // and mid-turn the run may be between two halves of one change (a map's index counted, its
      // worker not yet open). A microtask, not the next macrotask: a big map makes its events in
      // one long chain of microtasks, and they must stream to the store, not pile up here.
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        void this.flush();
      });
      return;
    }
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#flushInterval);
    this.#timer.unref?.();
  }

  /**
   * Writes everything buffered in one batch, after any write in progress. Resolves `true` when the
   * store holds everything recorded so far, `false` when a write failed (see `failures`).
   */
  flush(): Promise<boolean> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#checkpointSource !== undefined) {
      const source = this.#checkpointSource;
      this.#checkpointSource = undefined;
      this.#checkpoint = source() ?? this.#checkpoint;
    }
    const rows = this.#rows;
    const checkpoint = this.#checkpoint;
    const run = this.#runChanged ? this.#run : undefined;
    const pipeline = this.#pipelinePending ? this.#pipeline : undefined;
    this.#rows = [];
    this.#openTokens = new Map();
    this.#checkpoint = undefined;
    this.#runChanged = false;
    const events = rows.map(toRow);
    const result = this.#writing.then(async () => {
      if (events.length === 0 && !checkpoint && !run) return this.#pending.length === 0;
      const batchEvents = [...this.#pending, ...events];
      try {
        await this.#store.write({
          ...(pipeline ? { pipeline } : {}),
          ...(run ? { run } : {}),
          events: batchEvents,
          ...(checkpoint ? { checkpoint } : {}),
        });
        this.#pending = [];
        if (pipeline) this.#pipelinePending = false;
        return true;
      } catch (error) {
        // Keep the events for the next batch ((runId, seq) is unique, so a partial write is harmless).
        this.#pending = batchEvents;
        if (run && !this.#runChanged) this.#runChanged = true;
        if (checkpoint && !this.#checkpoint) this.#checkpoint = checkpoint;
        this.#failures.push(error);
        return false;
      }
    });
    this.#writing = result.then(() => undefined);
    return result;
  }

  /**
   * Writes everything buffered, the final run record and the run's `FINISH` event in one
   * transaction (one per run for a short run), releasing the lease. Resolves `true` when stored;
   * when not, the `FINISH` event is dropped from the retry (the run emits and records another,
   * which says that the store failed) and the final record waits for `close`.
   *
   * @param end - the run's `FINISH` payload.
   * @param fields - the record fields that follow from it.
   * @param finish - the `FINISH` event, stored before it is emitted.
   */
  async finish(end: PipelineEndData, fields: Partial<RunRecord>, finish: StoredEvent): Promise<boolean> {
    this.#run = { ...this.#run, ...fields, end };
    this.#runChanged = true;
    this.#rows.push(finish);
    const stored = await this.flush();
    if (!stored) this.#pending = this.#pending.filter((event) => event !== finish);
    else if (this.#leaseTimer !== undefined) clearInterval(this.#leaseTimer);
    return stored;
  }

  /**
   * Writes the final run record (with its `FINISH` payload) and everything buffered, releases the
   * lease and stops the timers. Resolves `true` when everything recorded is stored.
   *
   * @param end - the run's `FINISH` payload.
   * @param fields - the record fields that follow from it (status, times, failure and suspend fields).
   */
  async close(end: PipelineEndData, fields: Partial<RunRecord>): Promise<boolean> {
    this.updateRun({ ...this.#run, ...fields, end });
    const stored = await this.flush();
    // The final record (a terminal status) released the lease in the same write.
    if (this.#leaseTimer !== undefined) clearInterval(this.#leaseTimer);
    return stored;
  }
}

function toRow(row: StoredEvent | MutableToken): StoredEvent {
  if (!("payloads" in row)) return row;
  if (row.payloads.length === 1) return row.event;
  return {
    ...row.event,
    payload: row.payloads,
    coalesced: { count: row.payloads.length, lastSeq: row.lastSeq },
  };
}
