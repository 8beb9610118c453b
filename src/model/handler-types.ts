import type { Raise, Retry, Skip, StopSignal, Suspend } from "./control.js";

/**
 * One scope of structured metadata: a step invocation's (`meta.step`) or the run's (`meta.run`).
 * What is written shows up on events as `{ data, tags, metrics, counters }` (empty parts left out).
 *
 * @example
 * ```ts
 * pipe.step("search", async ({ state, meta }) => {
 *   meta.step.set("query", state.query);
 *   meta.step.record("hits", state.hits.length);
 *   meta.run.increment("searches");
 * });
 * ```
 */
export interface ScopedMeta {
  /** Sets a key (shown under `data`); a later `set` of the same key replaces the value. */
  set(key: string, value: unknown): void;
  /** Reads a key written with `set` in this scope, or `fallback` when it was never set. */
  get<T = unknown>(key: string, fallback?: T): T | undefined;
  /** Adds a tag (shown under `tags`, sorted and without duplicates). */
  tag(tag: string): void;
  /** Records one sample of a metric (shown under `metrics` as the list of samples, in order). */
  record(metric: string, value: number): void;
  /** Adds `amount` (default 1) to a counter (shown under `counters`; starts at 0). */
  increment(counter: string, amount?: number): void;
}

/** Metadata a step can read and write: its own, the run's, and the pipe's (read-only). */
export interface Meta {
  /**
   * This invocation's meta: rides on the event that closes it (`STEP_END`, `STEP_ERROR` or
   * `CANCELLED`), next to the `framework` entry (`durationMs`, `attempt`, `status`).
   */
  readonly step: ScopedMeta;
  /** The run's meta: shared by every step and hook, rides on `FINISH`. */
  readonly run: ScopedMeta;
  /** The Pipe option `metadata`, read-only. */
  readonly pipeline: {
    /** Reads a key of the Pipe's `metadata` option, or `fallback` when the option has no such key. */
    get<T = unknown>(key: string, fallback?: T): T | undefined;
  };
}

/**
 * The single argument every handler receives. Destructure what you need.
 *
 * @typeParam State - the run's shared, mutable state.
 * @typeParam Context - the run's context (`run(state, { context })`).
 * @typeParam Item - the item type of a map worker.
 *
 * @example
 * ```ts
 * pipe.step("fetch", async ({ state, signal }) => {
 *   state.page = await (await fetch(state.url, { signal })).text();
 * });
 * ```
 */
export interface StepArgs<State = unknown, Context = undefined, Item = unknown> {
  /** The run's state: shared by reference with every step. */
  readonly state: State;
  /** The run's context. */
  readonly ctx: Context;
  /** The item of a map worker (undefined elsewhere). */
  readonly item: Item;
  /** The error being handled (error handlers only). */
  readonly error: unknown;
  /** The name of the step being run (or handled). */
  readonly stepName: string;
  /** 1 for the first run of an invocation lineage, 2, 3... for retries. */
  readonly attempt: number;
  /** Aborts on step timeout, run timeout, cancellation, fail-fast or client close. */
  readonly signal: AbortSignal;
  /** The id of the run. */
  readonly runId: string;
  /**
   * A key for the step's side effects that stays the same when the step runs again: across its
   * retries and when `pipe.resume()` re-runs a step that was in flight when its process died. Pass
   * it to APIs that deduplicate (`Idempotency-Key` headers, unique constraints).
   * @example
   * ```ts
   * await stripe.charges.create(charge, { idempotencyKey });
   * ```
   */
  readonly idempotencyKey: string;
  /** Structured metadata. */
  readonly meta: Meta;
}

/** What a step may return to decide what runs next. */
export type StepResult = void | undefined | string | AnyHandler | StopSignal | Suspend | Retry | Skip | Raise;

/** Any registered handler (used as a jump or `to` target). */
export type AnyHandler = (args: any) => unknown;

/**
 * A step: sync, async, or an async generator whose every `yield` is a `TOKEN` event and whose
 * `return` value is its control result. `Token` is the type of what it may yield (the Pipe's).
 */
export type StepHandler<State = unknown, Context = undefined, Item = unknown, Token = unknown> = (
  args: StepArgs<State, Context, Item>,
) => StepResult | Promise<StepResult> | AsyncGenerator<Token, StepResult, undefined>;

/** A map step: returns (or is a generator of) the items to fan out over. */
export type MapHandler<State = unknown, Context = undefined, Item = unknown> = (
  args: StepArgs<State, Context, unknown>,
) => Iterable<Item> | AsyncIterable<Item> | Promise<Iterable<Item> | AsyncIterable<Item>>;

/** A switch step: returns the key that picks the route. */
export type SwitchHandler<State = unknown, Context = undefined, Key = unknown> = (
  args: StepArgs<State, Context, unknown>,
) => Key | Promise<Key>;

/** A sub-pipeline step: returns the child pipeline's state (`Item` types `args.item` in a map worker). */
export type SubHandler<State = unknown, Context = undefined, ChildState = unknown, Item = unknown> = (
  args: StepArgs<State, Context, Item>,
) => ChildState | Promise<ChildState>;

/** An error handler: decides how a failed step recovers. */
export type ErrorHandler<State = unknown, Context = undefined> = (
  args: StepArgs<State, Context, unknown>,
) => StepResult | Promise<StepResult>;

/** A lifecycle hook (`onStartup`, `onShutdown`). */
export type HookHandler<State = unknown, Context = undefined> = (args: HookArgs<State, Context>) => unknown;

/**
 * The argument of lifecycle hooks (`onStartup`, `onShutdown`).
 *
 * @example
 * ```ts
 * pipe.onStartup(async ({ state, ctx, signal }) => {
 *   state.user = await ctx.db.loadUser(state.userId, { signal });
 * });
 * ```
 */
export interface HookArgs<State = unknown, Context = undefined> {
  /** The run's state: the same object the steps receive. */
  readonly state: State;
  /** The run's context (`run(state, { context })`). */
  readonly ctx: Context;
  /** The id of the run. */
  readonly runId: string;
  /**
   * For startup hooks: aborts when the run is cancelled, times out or is closed by the consumer.
   * Shutdown hooks get a signal that never aborts, so cleanup can finish.
   */
  readonly signal: AbortSignal;
  /**
   * Structured metadata. Write to `meta.run` to have it on `FINISH`; `meta.step` is a scope of the
   * hook's own that no event carries.
   */
  readonly meta: Meta;
}

/** The argument of the global error handler (`pipe.onError`). */
export interface GlobalErrorArgs<State = unknown, Context = undefined>
  extends StepArgs<State, Context, unknown> {}

/** A step to go to: a registered step's name (forward references allowed) or its handler. */
export type Target = string | AnyHandler;
