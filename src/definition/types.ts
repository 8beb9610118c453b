import type { Clock } from "../runtime/clock.js";
import type { Raise, Retry, Skip, StopSignal, Suspend } from "./control.js";

/** Per-invocation and per-run structured metadata (see {@link StepArgs.meta}). */
export interface ScopedMeta {
  /** Sets a key. */
  set(key: string, value: unknown): void;
  /** Reads a key. */
  get<T = unknown>(key: string, fallback?: T): T | undefined;
  /** Adds a tag (kept sorted and unique). */
  tag(tag: string): void;
  /** Records one sample of a metric. */
  record(metric: string, value: number): void;
  /** Adds `amount` (default 1) to a counter. */
  increment(counter: string, amount?: number): void;
}

/** Metadata a step can read and write: its own, the run's, and the pipe's (read-only). */
export interface Meta {
  /** This invocation's meta: rides on its `STEP_END`/`STEP_ERROR` event. */
  readonly step: ScopedMeta;
  /** The run's meta: shared by every step, rides on `FINISH`. */
  readonly run: ScopedMeta;
  /** The Pipe option `metadata`, read-only. */
  readonly pipeline: { get<T = unknown>(key: string, fallback?: T): T | undefined };
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
  /** Structured metadata. */
  readonly meta: Meta;
}

/** What a step may return to decide what runs next. */
export type StepResult = void | undefined | string | AnyHandler | StopSignal | Suspend | Retry | Skip | Raise;

/** Any registered handler (used as a jump or `to` target). */
export type AnyHandler = (args: any) => unknown;

/**
 * A step: sync, async, or an async generator whose every `yield` is a `TOKEN` event and whose
 * `return` value is its control result.
 */
export type StepHandler<State = unknown, Context = undefined, Item = unknown> = (
  args: StepArgs<State, Context, Item>,
) => StepResult | Promise<StepResult> | AsyncGenerator<unknown, StepResult, undefined>;

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

/** The argument of lifecycle hooks. */
export interface HookArgs<State = unknown, Context = undefined> {
  readonly state: State;
  readonly ctx: Context;
  readonly runId: string;
  /** Aborts when the run is cancelled or times out. */
  readonly signal: AbortSignal;
  /** Structured metadata (`meta.step` is the hook's own scope). */
  readonly meta: Meta;
}

/** The argument of the global error handler (`pipe.onError`). */
export interface GlobalErrorArgs<State = unknown, Context = undefined>
  extends StepArgs<State, Context, unknown> {}

/** A step to go to: a registered step's name (forward references allowed) or its handler. */
export type Target = string | AnyHandler;

/** Retry policy: a number of extra attempts or a full backoff policy. */
export type RetryOption =
  | number
  | {
      /** Extra attempts after the first. */
      attempts: number;
      /** First backoff delay in ms. @default 100 */
      minDelay?: number;
      /** Largest backoff delay in ms. @default 30000 */
      maxDelay?: number;
      /** Multiplier between delays. @default 2 */
      factor?: number;
      /** Randomise each delay between 50% and 100% (`true`) or by a custom 0..1 fraction. @default true */
      jitter?: boolean | number;
      /** Retry only errors for which this returns true. @default every error */
      retryOn?: (error: unknown) => boolean;
    };

/** Options shared by every kind of step. */
export interface StepOptions<State = unknown, Context = undefined> {
  /** What runs next: one target, or an array for parallel fan-out. */
  to?: Target | readonly Target[];
  /** Extra attempts on error, or a retry policy. @default 0 */
  retries?: RetryOption;
  /** Fail the step (and abort its `signal`) after this many ms. @default none */
  timeout?: number;
  /** For a join: fail it if its parents do not all arrive within this many ms of the first. */
  barrierTimeout?: number;
  /** For a join: wait for `"all"` parents (default) or start on the first (`"any"`). */
  barrierType?: "all" | "any";
  /** Handles this step's errors; its return value decides recovery. */
  onError?: ErrorHandler<State, Context>;
  /** Step names this step may jump to by returning them: drawn in the graph and validated. */
  routes?: readonly Target[];
}

/** Options of `pipe.map`. */
export interface MapOptions<State = unknown, Context = undefined> extends StepOptions<State, Context> {
  /** The worker step run once per item. */
  each: Target;
  /** Most workers running at once. @default unlimited */
  maxConcurrency?: number;
}

/** A switch routing table (keyed by the handler's return value) or a routing function. */
export type SwitchRoutes =
  | Readonly<Record<string | number, Target | import("./control.js").StopSignal>>
  | ((value: unknown) => Target | import("./control.js").StopSignal | undefined | null);

/** Options of `pipe.switch`. */
export interface SwitchOptions<State = unknown, Context = undefined>
  extends Omit<StepOptions<State, Context>, "to"> {
  /** Routing table or function. */
  to: SwitchRoutes;
  /** Route taken when no key matches. */
  default?: Target | import("./control.js").StopSignal;
}

/** Options of `pipe.sub`. */
export interface SubOptions<State = unknown, Context = undefined> extends StepOptions<State, Context> {
  /** The child pipeline. */
  pipeline: import("./pipe.js").Pipe<any, any>;
}

/** What a middleware receives about the step it wraps. */
export interface StepContext {
  readonly name: string;
  readonly kind: "step" | "map" | "switch" | "sub";
  readonly pipeName: string;
  readonly retries: RetryOption;
  readonly timeout: number | undefined;
}

/** A step function after middleware wrapping. */
export type WrappedHandler = (args: StepArgs<any, any, any>) => unknown;

/**
 * Middleware: takes the next handler and the step's context, returns a wrapped handler.
 * The first added is the outermost.
 */
export type Middleware = (next: WrappedHandler, step: StepContext) => WrappedHandler;

/** Configures how failures are attributed (`failureSource` on `FINISH`). */
export interface FailureClassificationConfig {
  /** Return a source to override the default, or undefined to keep it. */
  sourceClassifier?: (
    ctx: FailureClassificationContext,
  ) => import("../events/types.js").FailureSource | undefined | null;
  /** npm package-name prefixes treated as external dependencies (`"openai"`, `"@aws-sdk/"`). */
  externalDependencyPrefixes?: readonly string[];
}

/** What a source classifier is told about a failure. */
export interface FailureClassificationContext {
  readonly error: unknown;
  readonly kind: import("../events/types.js").FailureKind;
  readonly reason: import("../events/types.js").FailureReason;
  readonly step: string | undefined;
  readonly defaultSource: import("../events/types.js").FailureSource;
}

/** Options of `new Pipe()`. */
export interface PipeOptions {
  /** Name of the pipeline (events, diagrams, middleware context). @default "Pipe" */
  name?: string;
  /** Undelivered events at which token producers wait for the consumer. @default 1000 */
  queueSize?: number;
  /** Strict validation: definition problems throw. @default true */
  strict?: boolean;
  /** Allow several root steps to start concurrently without `start`. @default false */
  allowMultiRoot?: boolean;
  /** Middleware, outermost first. */
  middleware?: readonly Middleware[];
  /** Failure source attribution. */
  failureClassification?: FailureClassificationConfig;
  /** Read-only metadata, visible to steps as `meta.pipeline`. */
  metadata?: Readonly<Record<string, unknown>>;
  /** Most runs of one invocation lineage (first attempt + retries). @default 100 */
  maxRetries?: number;
  /** Log every event to stderr. @default `JUSTPIPE_DEBUG` environment variable */
  debug?: boolean;
  /** The clock for timestamps, timeouts and backoff. @default the real clock */
  clock?: Clock;
}

/** Options of `pipe.run()`. */
export interface RunOptions<Context = undefined> {
  /** The run's context, passed to every step as `ctx`. */
  context?: Context;
  /** Start from this step instead of the roots (used to resume after `Suspend`). */
  start?: Target;
  /** End the run with `TIMEOUT` after this many ms. */
  timeout?: number;
  /** Overrides the Pipe's `queueSize`. */
  queueSize?: number;
  /** Cancels the run when aborted. */
  signal?: AbortSignal;
  /** Overrides the Pipe's clock. */
  clock?: Clock;
}
