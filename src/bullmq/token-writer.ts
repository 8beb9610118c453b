import type { Redis } from "ioredis";
import type { WireCodec } from "./codec.js";
import { MessageKind } from "./protocol.js";

/** Stream keys expire this long after their last write, so a stale writer cannot leak one. */
export const STREAM_TTL_MS = 3_600_000;

/** Tokens written in one stream entry at most. */
const MAX_BATCH = 512;

/**
 * The worker's side of one job's messages to the caller: tokens are batched into one stream entry
 * per event-loop turn (or per {@link MAX_BATCH}), and at most `window` tokens may be unacknowledged,
 * so a slow consumer slows the handler instead of growing Redis or dropping tokens. The result goes
 * after the last batch on the same connection, so it arrives after every token.
 */
export class TokenWriter {
  readonly #redis: Redis;
  readonly #stream: string;
  readonly #jobId: string;
  readonly #execution: string;
  readonly #codec: WireCodec;
  readonly #window: number;
  #buffer: unknown[] = [];
  /** Index of the first buffered token. */
  #first = 0;
  #sent = 0;
  #acknowledged = 0;
  #scheduled = false;
  #waiter: (() => void) | undefined;
  #failure: unknown;

  constructor(
    redis: Redis,
    stream: string,
    jobId: string,
    execution: string,
    codec: WireCodec,
    window: number,
  ) {
    this.#redis = redis;
    this.#stream = stream;
    this.#jobId = jobId;
    this.#execution = execution;
    this.#codec = codec;
    this.#window = window;
  }

  /** This execution's id (acknowledgements name it). */
  get execution(): string {
    return this.#execution;
  }

  /** Queues a token; it is written at the end of this event-loop turn. */
  push(token: unknown): void {
    if (this.#failure !== undefined) throw this.#failure;
    this.#buffer.push(token);
    this.#sent++;
    if (this.#buffer.length >= MAX_BATCH) this.#flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /**
   * Resolves when another token may be sent (`undefined` when it may right away); rejects when
   * `signal` aborts or no acknowledgement came within `timeoutMs`.
   */
  credit(signal: AbortSignal, timeoutMs: number): Promise<void> | undefined {
    if (this.#sent - this.#acknowledged < this.#window) return undefined;
    this.#flush();
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown) => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#waiter = undefined;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = () => finish(signal.reason);
      const timer = setTimeout(
        () =>
          finish(
            new Error(
              `No token of step job ${this.#jobId} was read for ${timeoutMs} ms: the calling process stopped reading. ` +
                "The job ends here; raise the worker's `creditTimeout` if consumers can pause this long.",
            ),
          ),
        timeoutMs,
      );
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiter = () => {
        if (this.#sent - this.#acknowledged < this.#window) finish();
      };
    });
  }

  /** The caller has consumed `count` tokens of this execution. */
  acknowledge(count: number): void {
    if (count > this.#acknowledged) this.#acknowledged = count;
    this.#waiter?.();
  }

  /**
   * Writes the remaining tokens, then the final message (a result or an error) with its `fields`
   * (name, value, name, value...).
   */
  async finish(
    kind: typeof MessageKind.RESULT | typeof MessageKind.ERROR,
    fields: readonly string[],
  ): Promise<void> {
    const batch = this.#take();
    const transaction = this.#redis.multi();
    if (batch !== undefined) transaction.xadd(this.#stream, "*", ...batch);
    transaction
      .xadd(this.#stream, "*", "j", this.#jobId, "x", this.#execution, "k", kind, ...fields)
      .pexpire(this.#stream, STREAM_TTL_MS);
    await transaction.exec();
    if (this.#failure !== undefined) throw this.#failure;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const batch = this.#take();
    if (batch === undefined) return;
    this.#redis.xadd(this.#stream, "*", ...batch).catch((error: unknown) => {
      this.#failure ??= error;
    });
  };

  /** The buffered tokens as the fields of one stream entry (and clears the buffer). */
  #take(): string[] | undefined {
    if (this.#buffer.length === 0) return undefined;
    const batch = this.#buffer;
    const first = this.#first;
    this.#buffer = [];
    this.#first += batch.length;
    let payload: string;
    try {
      payload = this.#codec.encode(batch);
    } catch (error) {
      this.#failure ??= error;
      return undefined;
    }
    return [
      "j",
      this.#jobId,
      "x",
      this.#execution,
      "k",
      MessageKind.TOKENS,
      "s",
      String(first),
      "d",
      payload,
    ];
  }
}
