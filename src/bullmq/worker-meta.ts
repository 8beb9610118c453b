import type { Meta, MetaOperation, Pipe, ScopedMeta } from "../index.js";

/**
 * The `meta` a handler gets in a worker process, and what it wrote: `step` and `run` record each
 * write (sent back with the result and replayed on the caller's invocation, so events carry them as
 * in process) and read back what this invocation wrote; `pipeline` reads the Pipe's `metadata`.
 * Reads of `meta.run` do not see what other invocations wrote (they ran elsewhere).
 */
export function workerMeta(pipe: Pipe<any, any>): { meta: Meta; operations: MetaOperation[] } {
  const metadata = pipe.metadata;
  const operations: MetaOperation[] = [];
  return {
    meta: {
      step: new RecordingMeta("step", operations),
      run: new RecordingMeta("run", operations),
      pipeline: {
        get: <T>(key: string, fallback?: T) =>
          Object.hasOwn(metadata, key) ? (metadata[key] as T) : fallback,
      },
    },
    operations,
  };
}

class RecordingMeta implements ScopedMeta {
  readonly #scope: "step" | "run";
  readonly #operations: MetaOperation[];
  readonly #data = new Map<string, unknown>();

  constructor(scope: "step" | "run", operations: MetaOperation[]) {
    this.#scope = scope;
    this.#operations = operations;
  }

  set(key: string, value: unknown): void {
    this.#data.set(key, value);
    this.#operations.push({ scope: this.#scope, op: "set", key, value });
  }

  get<T = unknown>(key: string, fallback?: T): T | undefined {
    return this.#data.has(key) ? (this.#data.get(key) as T) : fallback;
  }

  tag(tag: string): void {
    this.#operations.push({ scope: this.#scope, op: "tag", key: tag });
  }

  record(metric: string, value: number): void {
    this.#operations.push({ scope: this.#scope, op: "record", key: metric, value });
  }

  increment(counter: string, amount = 1): void {
    this.#operations.push({ scope: this.#scope, op: "increment", key: counter, value: amount });
  }
}
