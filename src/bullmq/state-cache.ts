import type { Redis } from "ioredis";
import { applyDelta, type StateDelta } from "../index.js";
import type { WireCodec } from "./codec.js";
import type { QueueKeys, StateRef } from "./protocol.js";

/** Runs whose state a worker keeps at most (the least recently used is dropped). */
const MAX_RUNS = 16;

interface Cached {
  /** The snapshot it was rebuilt from. */
  s: number;
  /** Deltas of that snapshot applied so far. */
  n: number;
  readonly state: object;
}

/**
 * A worker's copies of the states of the runs it serves, rebuilt from the snapshot and deltas the
 * calling process keeps in Redis (see `StateShare`) and kept up to date with the deltas jobs carry,
 * so a job usually costs no read at all. Handlers get a copy-on-write view of the cached state, as
 * in process they get one of the live state: they may see deltas applied after their task started.
 */
export class StateCache {
  readonly #redis: Redis;
  readonly #keys: QueueKeys;
  readonly #codec: WireCodec;
  readonly #runs = new Map<string, Cached>();
  readonly #loading = new Map<string, Promise<Cached>>();

  constructor(redis: Redis, keys: QueueKeys, codec: WireCodec) {
    this.#redis = redis;
    this.#keys = keys;
    this.#codec = codec;
  }

  /** The run's state as of `ref` (or newer). */
  async stateOf(runId: string, ref: StateRef): Promise<object> {
    for (;;) {
      const loading = this.#loading.get(runId);
      if (loading !== undefined) await loading.catch(() => {});
      const cached = this.#runs.get(runId);
      if (cached !== undefined && cached.s >= ref.s) {
        this.#runs.delete(runId); // most recently used last
        this.#runs.set(runId, cached);
        if (cached.s > ref.s || cached.n >= ref.n) return cached.state;
        const tail = ref.tail ?? [];
        const tailStart = ref.n - tail.length;
        if (cached.n >= tailStart) {
          try {
            this.#apply(runId, cached, tail.slice(cached.n - tailStart));
            return cached.state;
          } catch {
            // The copy is dropped: rebuilt from Redis below.
          }
        }
      }
      if (this.#loading.has(runId)) continue;
      const current = this.#runs.get(runId);
      const load = this.#load(runId, current !== undefined && current.s === ref.s ? current : undefined);
      this.#loading.set(runId, load);
      try {
        return (await load).state;
      } finally {
        this.#loading.delete(runId);
      }
    }
  }

  /** Reads what is new: the deltas after `cached`, or the whole snapshot and its deltas. */
  async #load(runId: string, cached: Cached | undefined): Promise<Cached> {
    const snapshotKey = this.#keys.stateSnapshot(runId);
    const deltasKey = this.#keys.stateDeltas(runId);
    if (cached !== undefined) {
      const replies = await this.#redis
        .multi()
        .hget(snapshotKey, "id")
        .lrange(deltasKey, cached.n, -1)
        .exec();
      const [id, deltas] = (replies ?? []).map(([, value]) => value) as [string | null, string[]];
      if (Number(id) === cached.s) {
        this.#apply(runId, cached, deltas);
        return cached;
      }
    }
    const replies = await this.#redis
      .multi()
      .hmget(snapshotKey, "id", "data")
      .lrange(deltasKey, 0, -1)
      .exec();
    const [[id, data], deltas] = (replies ?? []).map(([, value]) => value) as [
      [string | null, string | null],
      string[],
    ];
    if (id === null || data === null) {
      throw new Error(
        `The state of run ${runId} is no longer in Redis (key ${snapshotKey}): the calling process ended the run, or Redis evicted the key (set maxmemory-policy noeviction).`,
      );
    }
    const fresh: Cached = { s: Number(id), n: 0, state: this.#codec.decode(data) as object };
    this.#apply(runId, fresh, deltas);
    this.#runs.delete(runId);
    this.#runs.set(runId, fresh);
    if (this.#runs.size > MAX_RUNS) this.#runs.delete(this.#runs.keys().next().value!);
    return fresh;
  }

  #apply(runId: string, cached: Cached, deltas: readonly string[]): void {
    try {
      for (const delta of deltas) {
        applyDelta(cached.state, this.#codec.decode(delta) as StateDelta);
        cached.n++;
      }
    } catch (error) {
      this.#runs.delete(runId);
      throw error;
    }
  }
}
