import type { Meta, ScopedMeta } from "../model/handler-types.js";

/** One scope of structured metadata (a step invocation or a run). */
export class MetaScope implements ScopedMeta {
  #data: Map<string, unknown> | undefined;
  #tags: Set<string> | undefined;
  #metrics: Map<string, number[]> | undefined;
  #counters: Map<string, number> | undefined;

  set(key: string, value: unknown): void {
    (this.#data ??= new Map()).set(key, value);
  }
  get<T = unknown>(key: string, fallback?: T): T | undefined {
    return this.#data?.has(key) ? (this.#data.get(key) as T) : fallback;
  }
  tag(tag: string): void {
    (this.#tags ??= new Set()).add(tag);
  }
  record(metric: string, value: number): void {
    const metrics = (this.#metrics ??= new Map());
    const samples = metrics.get(metric);
    if (samples === undefined) metrics.set(metric, [value]);
    else samples.push(value);
  }
  increment(counter: string, amount = 1): void {
    const counters = (this.#counters ??= new Map());
    counters.set(counter, (counters.get(counter) ?? 0) + amount);
  }

  /** A plain snapshot with only the non-empty parts, or undefined when empty. */
  snapshot(): Record<string, unknown> | undefined {
    if (!this.#data && !this.#tags && !this.#metrics && !this.#counters) return undefined;
    const out: Record<string, unknown> = {};
    if (this.#data) out.data = Object.fromEntries(this.#data);
    if (this.#tags) out.tags = [...this.#tags].sort();
    if (this.#metrics) out.metrics = Object.fromEntries([...this.#metrics].map(([k, v]) => [k, [...v]]));
    if (this.#counters) out.counters = Object.fromEntries(this.#counters);
    return out;
  }
}

/** Where a handler's `meta` finds the run's scope and the pipeline's metadata (read on use). */
export interface MetaSource {
  readonly runMeta: MetaScope;
  readonly pipelineMeta: Meta["pipeline"];
}

/** The `meta` argument of a handler. Its scopes are looked up when used, not when it is made. */
export class HandlerMeta implements Meta {
  readonly #owner: { stepMeta: MetaScope | undefined };
  readonly #source: MetaSource;
  constructor(owner: { stepMeta: MetaScope | undefined }, source: MetaSource) {
    this.#owner = owner;
    this.#source = source;
  }
  get step(): MetaScope {
    return (this.#owner.stepMeta ??= new MetaScope());
  }
  get run(): MetaScope {
    return this.#source.runMeta;
  }
  get pipeline(): Meta["pipeline"] {
    return this.#source.pipelineMeta;
  }
}

const views = new WeakMap<object, Meta["pipeline"]>();

/** The read-only `meta.pipeline` view of a Pipe's `metadata` option (one per metadata object). */
export function pipelineMeta(metadata: Readonly<Record<string, unknown>>): Meta["pipeline"] {
  let view = views.get(metadata);
  if (view === undefined) {
    view = Object.freeze({
      get: <T>(key: string, fallback?: T) => (Object.hasOwn(metadata, key) ? (metadata[key] as T) : fallback),
    });
    views.set(metadata, view);
  }
  return view;
}
