import { AmbiguousRunIdError, RunExistsError, StoreError } from "../errors/store-errors.js";
import type { Checkpoint } from "./checkpoint.js";
import { followStoredEvents } from "./follow.js";
import { newestFirst, runMatches } from "./match.js";
import { normalizeDeleteQuery, normalizeRunQuery } from "./query.js";
import type { PipelineRecord, PipelineSummary, RunRecord, StoredEvent } from "./records.js";
import type { DeleteQuery, EventQuery, FollowOptions, RunQuery, Store, WriteBatch } from "./store.js";

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** The clock for leases and `updatedAt`, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

// Records are stored and returned as copies made through JSON, as a database would: a payload
// that is not JSON-safe fails here as it would in SQLite or Postgres, not only in production.
const copy = <T>(value: T, what: string): T => {
  try {
    return JSON.parse(JSON.stringify(value)) as T;
  } catch (error) {
    throw new StoreError("memory", `Cannot store ${what}: it is not JSON-safe (${String(error)}).`, {
      cause: error,
    });
  }
};

const copyCheckpoint = (checkpoint: Checkpoint): Checkpoint => ({
  ...copy({ ...checkpoint, state: null }, "a checkpoint"),
  state: typeof checkpoint.state === "string" ? checkpoint.state : new Uint8Array(checkpoint.state),
});

const lastSeqOf = (event: StoredEvent): number => event.coalesced?.lastSeq ?? event.seq;

/**
 * A {@link Store} in this process's memory: for tests and for runs that only need `resume()`
 * within one process. It copies everything it keeps (checkpoint states stay as their codec encoded
 * them), so serialisation problems show up in tests as they would with a database.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * for await (const event of pipe.run(state, { store })) {}
 * console.log(await store.listRuns());
 * ```
 */
export class MemoryStore implements Store {
  /** Always `"memory"`. */
  readonly location = "memory";
  readonly #now: () => number;
  readonly #runs = new Map<string, RunRecord>();
  readonly #events = new Map<string, StoredEvent[]>();
  readonly #pipelines = new Map<string, PipelineRecord>();
  readonly #checkpoints = new Map<string, Checkpoint>();

  /**
   * Creates an empty store.
   *
   * @param options - `now`: the clock for leases.
   */
  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** Nothing to open. */
  async init(): Promise<void> {}

  /** Commits the batch: it is checked first, so a bad batch changes nothing. */
  async write(batch: WriteBatch): Promise<void> {
    const run = batch.run === undefined ? undefined : copy(batch.run, `run '${batch.run.runId}'`);
    const events = (batch.events ?? []).map((event) =>
      copy(event, `event ${event.seq} of run '${event.runId}'`),
    );
    const checkpoint = batch.checkpoint === undefined ? undefined : copyCheckpoint(batch.checkpoint);
    const pipeline = batch.pipeline === undefined ? undefined : copy(batch.pipeline, "a pipeline");
    const known = (runId: string) => this.#runs.has(runId) || run?.runId === runId;
    for (const item of [...events, ...(checkpoint ? [checkpoint] : [])]) {
      if (!known(item.runId)) {
        throw new StoreError(
          this.location,
          `Cannot store data of run '${item.runId}': the run is not stored. Create it first.`,
        );
      }
    }
    if (pipeline && !this.#pipelines.has(pipeline.hash)) this.#pipelines.set(pipeline.hash, pipeline);
    if (run) {
      const previous = this.#runs.get(run.runId);
      this.#runs.set(run.runId, {
        ...run,
        // A run that ended gives up its lease in the same write.
        owner: run.status === "running" ? (previous?.owner ?? null) : null,
        leaseUntil: run.status === "running" ? (previous?.leaseUntil ?? null) : null,
        lastSeq: previous?.lastSeq ?? 0,
        updatedAt: this.#now(),
      });
    }
    for (const event of events) this.#append(event);
    if (checkpoint) this.#checkpoints.set(checkpoint.runId, checkpoint);
  }

  #append(event: StoredEvent): void {
    let list = this.#events.get(event.runId);
    if (!list) this.#events.set(event.runId, (list = []));
    const at = this.#searchSeq(list, event.seq);
    if (list[at]?.seq === event.seq) return; // already stored: a retried batch
    list.splice(at, 0, event);
    const run = this.#runs.get(event.runId)!;
    if (lastSeqOf(event) > run.lastSeq) this.#runs.set(run.runId, { ...run, lastSeq: lastSeqOf(event) });
  }

  // The index of the first event with seq >= `seq`.
  #searchSeq(list: readonly StoredEvent[], seq: number): number {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (list[middle]!.seq < seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Stores a new run; `RunExistsError` when its id is taken. */
  async createRun(run: RunRecord, pipeline?: PipelineRecord, checkpoint?: Checkpoint): Promise<void> {
    if (this.#runs.has(run.runId)) throw new RunExistsError(run.runId, this.location);
    await this.write({ run, ...(pipeline ? { pipeline } : {}), ...(checkpoint ? { checkpoint } : {}) });
    const stored = this.#runs.get(run.runId)!;
    this.#runs.set(run.runId, { ...stored, owner: run.owner, leaseUntil: run.leaseUntil });
  }

  /** The run with this id or unique prefix. */
  async getRun(idOrPrefix: string): Promise<RunRecord | undefined> {
    const exact = this.#runs.get(idOrPrefix);
    if (exact) return copy(exact, "a run");
    if (idOrPrefix === "") return undefined;
    const matches = await this.findRunIds(idOrPrefix, 10);
    if (matches.length > 1) throw new AmbiguousRunIdError(idOrPrefix, matches);
    return matches.length === 1 ? copy(this.#runs.get(matches[0]!)!, "a run") : undefined;
  }

  /** Run ids starting with `prefix`, sorted. */
  async findRunIds(prefix: string, limit = 10): Promise<string[]> {
    const ids: string[] = [];
    for (const runId of this.#runs.keys()) if (runId.startsWith(prefix)) ids.push(runId);
    return ids.sort().slice(0, limit);
  }

  /** Runs matching the query, newest first. */
  async listRuns(query?: RunQuery): Promise<RunRecord[]> {
    const normalized = normalizeRunQuery(query);
    return [...this.#runs.values()]
      .filter((run) => runMatches(run, normalized))
      .sort(newestFirst)
      .slice(normalized.offset, normalized.offset + normalized.limit)
      .map((run) => copy(run, "a run"));
  }

  /** How many runs match. */
  async countRuns(query?: RunQuery): Promise<number> {
    const normalized = normalizeRunQuery(query);
    let count = 0;
    for (const run of this.#runs.values()) if (runMatches(run, normalized)) count++;
    return count;
  }

  /** The run's events in seq order. */
  async getEvents(runId: string, query: EventQuery = {}): Promise<StoredEvent[]> {
    const list = this.#events.get(runId) ?? [];
    const { afterSeq = 0, types, steps, limit = Number.POSITIVE_INFINITY } = query;
    const out: StoredEvent[] = [];
    for (
      let index = this.#searchSeq(list, afterSeq + 1);
      index < list.length && out.length < limit;
      index++
    ) {
      const event = list[index]!;
      if (types && !types.includes(event.type)) continue;
      if (steps && !steps.includes(event.stage)) continue;
      out.push(copy(event, "an event"));
    }
    return out;
  }

  /** Stored then new events, until the run has ended. */
  followEvents(runId: string, options?: FollowOptions): AsyncIterable<StoredEvent> {
    return followStoredEvents(this, runId, options);
  }

  /** Every definition with its run count and latest run. */
  async listPipelines(): Promise<PipelineSummary[]> {
    const summaries = [...this.#pipelines.values()].map((pipeline) => {
      let runCount = 0;
      let lastRunAt: number | null = null;
      for (const run of this.#runs.values()) {
        if (run.pipeHash !== pipeline.hash) continue;
        runCount++;
        if (lastRunAt === null || run.startedAt > lastRunAt) lastRunAt = run.startedAt;
      }
      return { hash: pipeline.hash, name: pipeline.name, firstSeen: pipeline.firstSeen, runCount, lastRunAt };
    });
    return summaries.sort((a, b) => (b.lastRunAt ?? -1) - (a.lastRunAt ?? -1) || b.firstSeen - a.firstSeen);
  }

  /** The definition with this hash. */
  async getPipeline(hash: string): Promise<PipelineRecord | undefined> {
    const pipeline = this.#pipelines.get(hash);
    return pipeline && copy(pipeline, "a pipeline");
  }

  /** The newest checkpoint of the run's resume chain. */
  async loadCheckpoint(runOrThreadId: string): Promise<Checkpoint | undefined> {
    const threadId = this.#runs.get(runOrThreadId)?.threadId ?? runOrThreadId;
    let newest: Checkpoint | undefined;
    for (const checkpoint of this.#checkpoints.values()) {
      if (checkpoint.threadId !== threadId) continue;
      if (newest === undefined || this.#isNewer(checkpoint, newest)) newest = checkpoint;
    }
    return newest && copyCheckpoint(newest);
  }

  #isNewer(a: Checkpoint, b: Checkpoint): boolean {
    if (a.writtenAt !== b.writtenAt) return a.writtenAt > b.writtenAt;
    return (this.#runs.get(a.runId)?.startedAt ?? 0) > (this.#runs.get(b.runId)?.startedAt ?? 0);
  }

  /** Takes the lease when free, expired or already `owner`'s. */
  async claim(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    const run = this.#runs.get(runId);
    const now = this.#now();
    if (!run) return false;
    if (run.owner !== null && run.owner !== owner && (run.leaseUntil ?? 0) > now) return false;
    this.#runs.set(runId, { ...run, owner, leaseUntil: now + ttlMs, updatedAt: now });
    return true;
  }

  /** Extends `owner`'s lease. */
  async renew(runId: string, owner: string, ttlMs: number): Promise<boolean> {
    const run = this.#runs.get(runId);
    if (!run || run.owner !== owner) return false;
    const now = this.#now();
    this.#runs.set(runId, { ...run, leaseUntil: now + ttlMs, updatedAt: now });
    return true;
  }

  /** Gives up `owner`'s lease. */
  async release(runId: string, owner: string): Promise<boolean> {
    const run = this.#runs.get(runId);
    if (!run || run.owner !== owner) return false;
    this.#runs.set(runId, { ...run, owner: null, leaseUntil: null, updatedAt: this.#now() });
    return true;
  }

  /** Deletes matching runs with their events and checkpoints. */
  async deleteRuns(query: DeleteQuery): Promise<number> {
    const normalized = normalizeDeleteQuery(query);
    const doomed = [...this.#runs.values()].filter((run) => runMatches(run, normalized));
    if (query.dryRun) return doomed.length;
    for (const run of doomed) {
      this.#runs.delete(run.runId);
      this.#events.delete(run.runId);
      this.#checkpoints.delete(run.runId);
    }
    return doomed.length;
  }

  /** Nothing to release: the data stays for a later `init`. */
  async close(): Promise<void> {}
}
