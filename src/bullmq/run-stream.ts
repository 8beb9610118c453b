import type { Redis } from "ioredis";
import { MessageKind } from "./protocol.js";
import { RetainedEntries, type StreamRetention } from "./stream-retention.js";

/** One entry of a run stream, as the caller reads it. */
export interface StreamEntry {
  readonly kind: string;
  /** The worker execution that wrote it ("" for messages about the job, such as `stalled`). */
  readonly execution: string;
  /** Index of the first token (token batches). */
  readonly first: number;
  readonly data: string;
  /** A result's encoded state delta (absent when the handler changed nothing). */
  readonly delta: string | undefined;
  /** A result's or error's encoded meta writes (absent when none). */
  readonly meta: string | undefined;
  /** A result's or error's count of earlier executions of the job that died (BullMQ's stalls). */
  readonly restarts: number;
}

/** Whether an entry ends its job (a result or an error). */
export function settles(entry: StreamEntry): boolean {
  return entry.kind === MessageKind.RESULT || entry.kind === MessageKind.ERROR;
}

/**
 * The messages of one job, in arrival order, for the task waiting on them: a small queue with one
 * waiting reader.
 */
export class JobChannel {
  readonly #entries: StreamEntry[] = [];
  #waiter: ((entry: StreamEntry | undefined) => void) | undefined;
  #closed = false;
  /** A result or an error was delivered. */
  settled = false;

  /** Delivers an entry (called by the run stream's reader). */
  push(entry: StreamEntry): void {
    if (this.#closed) return;
    if (settles(entry)) this.settled = true;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(entry);
    } else this.#entries.push(entry);
  }

  /** The next entry; `undefined` once the channel is closed (aborted). */
  next(): StreamEntry | Promise<StreamEntry | undefined> | undefined {
    const entry = this.#entries.shift();
    if (entry !== undefined) return entry;
    if (this.#closed) return undefined;
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Ends the channel: a waiting `next()` resolves to `undefined`. */
  close(): void {
    this.#closed = true;
    this.#entries.length = 0;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
  }
}

/**
 * Reads one run's stream in the calling process with a blocking `XREAD` on a connection of its
 * own, hands each entry to its job's channel, and trims what it has read. Entries of jobs nobody
 * waits for any more (a finished or cancelled task) are dropped.
 */
export class RunStream {
  readonly #blocking: Redis;
  readonly #commands: Redis;
  readonly #key: string;
  readonly #channels = new Map<string, JobChannel>();
  #lastId = "0-0";
  /** Entries read since the stream was last trimmed. */
  #unTrimmed = 0;
  #closing = false;
  readonly #loop: Promise<void>;
  /** Set for the streams of hosted runs (detached runs); see {@link StreamRetention}. */
  readonly #retained: RetainedEntries | undefined;
  /** Tasks of the run using this stream. */
  users = 0;
  /** Closes the stream after it has been unused for a while. */
  lingerTimer: NodeJS.Timeout | undefined;

  constructor(blocking: Redis, commands: Redis, key: string, retention?: StreamRetention) {
    this.#blocking = blocking;
    this.#commands = commands;
    this.#key = key;
    this.#retained = retention === undefined ? undefined : new RetainedEntries(commands, key, retention);
    this.#loop = this.#read();
  }

  /** Starts delivering a job's entries (first those read before, when they are kept). */
  open(jobId: string): JobChannel {
    const channel = new JobChannel();
    this.#channels.set(jobId, channel);
    this.#retained?.drainInto(jobId, channel);
    return channel;
  }

  /** Resolves once this stream has read every entry written before the call (kept streams only). */
  caughtUp(): Promise<void> {
    if (this.#retained === undefined) return Promise.resolve();
    return this.#retained.caughtUp();
  }

  /** Stops delivering a job's entries. */
  forget(jobId: string): void {
    this.#channels.get(jobId)?.close();
    this.#channels.delete(jobId);
  }

  /** Stops reading, deletes the stream, and gives the blocking connection back. */
  async close(): Promise<Redis> {
    this.#closing = true;
    await this.#commands.xadd(this.#key, "*", "j", "", "x", "", "k", MessageKind.WAKE).catch(() => {});
    await this.#loop;
    await this.#commands.del(this.#key).catch(() => {});
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
    this.#retained?.clear();
    return this.#blocking;
  }

  async #read(): Promise<void> {
    while (!this.#closing) {
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = (await this.#blocking.xread(
          "COUNT",
          1000,
          "BLOCK",
          2000,
          "STREAMS",
          this.#key,
          this.#lastId,
        )) as [string, [string, string[]][]][] | null;
      } catch {
        if (this.#closing) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (reply === null) continue;
      for (const [, entries] of reply) {
        for (const [id, fields] of entries) {
          this.#lastId = id;
          this.#unTrimmed++;
          this.#deliver(fields);
        }
      }
      // Read entries are dropped in batches: the stream stays small without a command per read.
      if (this.#unTrimmed >= 256) {
        this.#unTrimmed = 0;
        if (this.#retained !== undefined) this.#retained.trim(this.#lastId);
        else this.#commands.xtrim(this.#key, "MINID", this.#lastId).catch(() => {});
      }
    }
  }

  #deliver(fields: string[]): void {
    let jobId = "";
    let kind = "";
    let execution = "";
    let first = 0;
    let data = "";
    let delta: string | undefined;
    let meta: string | undefined;
    let restarts = 0;
    for (let index = 0; index + 1 < fields.length; index += 2) {
      const value = fields[index + 1]!;
      switch (fields[index]) {
        case "j":
          jobId = value;
          break;
        case "k":
          kind = value;
          break;
        case "x":
          execution = value;
          break;
        case "s":
          first = Number(value);
          break;
        case "d":
          data = value;
          break;
        case "c":
          delta = value;
          break;
        case "m":
          meta = value;
          break;
        case "n":
          restarts = Number(value);
          break;
      }
    }
    const entry = { kind, execution, first, data, delta, meta, restarts };
    const channel = this.#channels.get(jobId);
    if (channel !== undefined) channel.push(entry);
    else this.#retained?.keep(jobId, entry);
  }
}
