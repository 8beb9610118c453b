import type { Redis } from "ioredis";
import type { WireCodec } from "./codec.js";
import type { StateRef } from "./protocol.js";

/** Keys holding a run's state for workers: they expire this long after a snapshot, as a leak guard. */
export const STATE_TTL_MS = 3_600_000;

/** A new snapshot is taken once the deltas since the last one weigh more than it, or this. */
const MIN_JOURNAL_BYTES = 16_384;

/** Deltas a job carries itself (the newest), so a worker that is nearly up to date needs no read. */
const TAIL_DELTAS = 32;
const TAIL_BYTES = 8_192;

/**
 * Snapshot ids increase across every run and process (they start from the clock), so a worker can
 * tell which of two snapshots of a run is newer.
 */
let lastSnapshot = Date.now() * 1000;

/**
 * The calling process's side of a run's state by reference: instead of the whole state, a job
 * carries `{ s, n }`, meaning "snapshot `s` plus the first `n` deltas applied since", and the newest
 * of those deltas. The snapshot (a hash: `id`, `data`) and the deltas (a list, in the order they were
 * applied) live in Redis; workers cache the state they rebuilt and read only what is new.
 *
 * A new snapshot is written when there is none yet, when the run's state epoch changed (code ran in
 * this process and may have changed the state: see `StepTask.stateEpoch`), or when the deltas since
 * the last one outweigh it (so rebuilding stays cheap and Redis holds at most about twice the state).
 * Writes go through the connection that adds the jobs, before the job: Redis runs them in order, so
 * a worker never sees a job before the state it references.
 */
export class StateShare {
  readonly #stateKey: string;
  readonly #deltasKey: string;
  readonly #codec: WireCodec;
  #snapshot = 0;
  #epoch = -1;
  #snapshots = 0;
  #length = 0;
  #journalBytes = 0;
  #snapshotBytes = 0;
  /** Deltas applied and not yet written to Redis (see {@link StateShare.flush}). */
  #pending: string[] = [];
  /** The newest deltas since the snapshot, encoded (at most {@link TAIL_DELTAS}). */
  #tail: string[] = [];
  #tailBytes = 0;

  constructor(stateKey: string, deltasKey: string, codec: WireCodec) {
    this.#stateKey = stateKey;
    this.#deltasKey = deltasKey;
    this.#codec = codec;
  }

  /** Snapshots written so far (for tests and benchmarks). */
  get snapshots(): number {
    return this.#snapshots;
  }

  /** The reference a task of `epoch` carries; writes a new snapshot first when one is due. */
  reference(redis: Redis, state: unknown, epoch: number): StateRef {
    if (
      this.#snapshot === 0 ||
      epoch !== this.#epoch ||
      this.#journalBytes > Math.max(this.#snapshotBytes, MIN_JOURNAL_BYTES)
    ) {
      const data = this.#codec.encode(state);
      this.#snapshot = ++lastSnapshot;
      this.#snapshots++;
      this.#epoch = epoch;
      this.#length = 0;
      this.#journalBytes = 0;
      this.#snapshotBytes = data.length;
      this.#tail = [];
      this.#tailBytes = 0;
      this.#pending = []; // already in the state just encoded
      redis
        .multi()
        .hset(this.#stateKey, { id: String(this.#snapshot), data })
        .del(this.#deltasKey)
        .pexpire(this.#stateKey, STATE_TTL_MS)
        .exec()
        .catch(() => {});
    }
    return this.#tail.length === 0
      ? { s: this.#snapshot, n: this.#length }
      : { s: this.#snapshot, n: this.#length, tail: this.#tail.slice() };
  }

  /**
   * A delta (as the worker encoded it) was applied to the run's state: journal it (written by the
   * next {@link StateShare.flush}, before the next job is added). Returns whether it was buffered.
   */
  applied(delta: string): boolean {
    if (this.#snapshot === 0) return false;
    this.#length++;
    this.#journalBytes += delta.length;
    this.#tail.push(delta);
    this.#tailBytes += delta.length;
    while (this.#tail.length > TAIL_DELTAS || (this.#tailBytes > TAIL_BYTES && this.#tail.length > 0))
      this.#tailBytes -= this.#tail.shift()!.length;
    this.#pending.push(delta);
    return this.#pending.length === 1;
  }

  /** Writes the journaled deltas in one command (through the connection that adds the jobs). */
  flush(redis: Redis): void {
    if (this.#pending.length === 0) return;
    const deltas = this.#pending;
    this.#pending = [];
    const pipeline = redis.pipeline().rpush(this.#deltasKey, ...deltas);
    if (this.#length === deltas.length) pipeline.pexpire(this.#deltasKey, STATE_TTL_MS);
    pipeline.exec().catch(() => {});
  }

  /** Deletes the run's keys (its last task ended). */
  async drop(redis: Redis): Promise<void> {
    this.#snapshot = 0;
    this.#epoch = -1;
    this.#pending = [];
    await redis.del(this.#stateKey, this.#deltasKey);
  }
}
