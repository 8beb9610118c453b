// The options of bullmqExecutor(): where the jobs go, which steps go remote, limits and windows.
import type { Codec } from "../index.js";
import type { RedisConnection } from "./redis.js";

/** Options of `bullmqExecutor`. */
export interface BullmqExecutorOptions {
  /** Where Redis is (ioredis options, a `redis://` URL or an ioredis client). */
  readonly connection: RedisConnection;
  /**
   * The BullMQ queue the workers take step jobs from.
   * @default "justpipe"
   */
  readonly queue?: string;
  /**
   * BullMQ's key prefix; must equal the workers'.
   * @default "bull"
   */
  readonly prefix?: string;
  /**
   * The steps that run in workers; the others (cheap routing steps) stay in this process.
   * Map and sub steps (which produce items or child runs) always stay here; their `each` steps and
   * steps of other kinds go to workers. Default: every step.
   */
  readonly steps?: readonly string[];
  /**
   * Tokens a worker may send for one step before this process has read them: a slow reader slows
   * the worker instead of filling Redis.
   * @default 1000
   */
  readonly tokenWindow?: number;
  /**
   * Encodes state, items, tokens and deltas; must equal the workers'.
   * @default jsonCodec (the codec of stored runs)
   */
  readonly codec?: Codec;
  /**
   * At most this many step jobs of the queue run at once across all workers (BullMQ's global
   * concurrency), set when the executor first dispatches.
   */
  readonly globalConcurrency?: number;
  /**
   * At most `max` step jobs per `duration` ms across all workers (BullMQ's global rate limit),
   * set when the executor first dispatches. For LLM quotas.
   */
  readonly rateLimit?: { readonly max: number; readonly duration: number };
}
