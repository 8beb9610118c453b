import type { Redis } from "ioredis";
import { MessageKind } from "./protocol.js";
import type { JobChannel, StreamEntry } from "./run-stream.js";
import { STREAM_TTL_MS } from "./token-writer.js";

/**
 * How the stream of a hosted run (a detached run, `pipe.start`) keeps entries, so that a host that
 * takes the run over from a dead one finds the results that arrived for it: entries of jobs nobody
 * waits for yet are kept (a resumed run opens its tasks one by one), and read entries are trimmed
 * only `trimLagMs` after they were written, well after the checkpoint that covers them was stored.
 */
export interface StreamRetention {
  /** Read entries are trimmed once they are this old (ms). */
  readonly trimLagMs: number;
}

/** A marker entry: the reader has read up to it (the `x` field names the waiter). */
const MARK = "m";

/** The entries a kept stream read for jobs that no task waits for (yet), and its catch-up markers. */
export class RetainedEntries {
  readonly #commands: Redis;
  readonly #key: string;
  readonly #trimLagMs: number;
  readonly #kept = new Map<string, StreamEntry[]>();
  readonly #marks = new Map<string, () => void>();
  #marksMade = 0;

  constructor(commands: Redis, key: string, retention: StreamRetention) {
    this.#commands = commands;
    this.#key = key;
    this.#trimLagMs = retention.trimLagMs;
  }

  /** Keeps an entry of a job no task waits for (or resolves the marker it is). */
  keep(jobId: string, entry: StreamEntry): void {
    if (entry.kind === MARK) {
      this.#marks.get(entry.execution)?.();
      this.#marks.delete(entry.execution);
      return;
    }
    if (jobId === "" || entry.kind === MessageKind.WAKE) return;
    const entries = this.#kept.get(jobId);
    if (entries === undefined) this.#kept.set(jobId, [entry]);
    else entries.push(entry);
  }

  /** Gives a newly opened task the entries its job had before. */
  drainInto(jobId: string, channel: JobChannel): void {
    const entries = this.#kept.get(jobId);
    if (entries === undefined) return;
    this.#kept.delete(jobId);
    for (const entry of entries) channel.push(entry);
  }

  /** Resolves once the reader has read a marker written now: every earlier entry was delivered. */
  caughtUp(): Promise<void> {
    const mark = `${process.pid}/${++this.#marksMade}`;
    return new Promise((resolve) => {
      this.#marks.set(mark, resolve);
      this.#commands
        .multi()
        .xadd(this.#key, "*", "j", "", "x", mark, "k", MARK)
        .pexpire(this.#key, STREAM_TTL_MS)
        .exec()
        .catch(() => {
          this.#marks.delete(mark);
          resolve();
        });
    });
  }

  /** Trims entries read up to `lastId` that are older than the lag. */
  trim(lastId: string): void {
    const lagged = Date.now() - this.#trimLagMs;
    const lastMs = Number(lastId.slice(0, lastId.indexOf("-")));
    const minId = lastMs <= lagged ? lastId : `${lagged}-0`;
    this.#commands.xtrim(this.#key, "MINID", minId).catch(() => {});
  }

  /** Forgets every kept entry and releases waiting markers (the stream is closing). */
  clear(): void {
    this.#kept.clear();
    for (const resolve of this.#marks.values()) resolve();
    this.#marks.clear();
  }
}
