import type { Meta, Pipe, ScopedMeta } from "../index.js";

/**
 * The `meta` a handler gets in a worker process: it can be written and read back within the
 * invocation, and `pipeline` reads the Pipe's `metadata`; what is written is not carried back to
 * the caller's events (a documented limit of remote steps).
 */
export function workerMeta(pipe: Pipe<any, any>): Meta {
  const metadata = pipe.metadata;
  return {
    step: new LocalMeta(),
    run: new LocalMeta(),
    pipeline: {
      get: <T>(key: string, fallback?: T) => (Object.hasOwn(metadata, key) ? (metadata[key] as T) : fallback),
    },
  };
}

class LocalMeta implements ScopedMeta {
  readonly #data = new Map<string, unknown>();

  set(key: string, value: unknown): void {
    this.#data.set(key, value);
  }

  get<T = unknown>(key: string, fallback?: T): T | undefined {
    return this.#data.has(key) ? (this.#data.get(key) as T) : fallback;
  }

  tag(_tag: string): void {}

  record(_metric: string, _value: number): void {}

  increment(_counter: string, _amount?: number): void {}
}
