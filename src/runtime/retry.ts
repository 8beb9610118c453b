import type { RetryOption } from "../model/options.js";

/** A retry policy with every default filled in. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly minDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly jitter: number;
  readonly retryOn: ((error: unknown) => boolean) | undefined;
}

const NONE: RetryPolicy = { attempts: 0, minDelay: 0, maxDelay: 0, factor: 1, jitter: 0, retryOn: undefined };

/**
 * Fills in a `retries` option. A number retries at once; the object form backs off exponentially
 * from `minDelay` (default 100 ms) by `factor` (default 2) up to `maxDelay` (default 30 s), with
 * jitter (default: each delay drawn between 50% and 100%).
 */
export function retryPolicy(option: RetryOption): RetryPolicy {
  if (typeof option === "number") return option === 0 ? NONE : { ...NONE, attempts: option };
  return {
    attempts: option.attempts,
    minDelay: option.minDelay ?? 100,
    maxDelay: option.maxDelay ?? 30_000,
    factor: option.factor ?? 2,
    jitter:
      option.jitter === undefined || option.jitter === true
        ? 0.5
        : option.jitter === false
          ? 0
          : option.jitter,
    retryOn: option.retryOn,
  };
}

/** Delay before retry number `retry` (1 for the first retry). */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const raw = Math.min(policy.maxDelay, policy.minDelay * policy.factor ** (retry - 1));
  return policy.jitter === 0 ? raw : raw * (1 - policy.jitter * random());
}
