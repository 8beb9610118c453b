import type { FailureClassificationConfig } from "../events/failure-classification.js";
import type { Clock } from "./clock.js";
import type { StopSignal } from "./control.js";
import type { StateConflictPolicy, StepExecutor } from "./executor.js";
import type { ErrorHandler, StepArgs, Target } from "./handler-types.js";

/**
 * Retry policy of a step (the `retries` option): a number of extra attempts, retried at once, or a
 * policy object with exponential backoff. Each failed attempt that will be retried emits
 * `STEP_ERROR` with `retrying: true`; error handlers see only the last attempt's error. The Pipe's
 * `maxRetries` caps every lineage whatever this says.
 *
 * The delay before retry `n` (1 for the first) is `min(maxDelay, minDelay * factor ** (n - 1))`,
 * then shortened by the jitter.
 *
 * @example
 * ```ts
 * pipe.step("fetch", fetchPage, { retries: 2 }); // up to 3 attempts, no delay
 * pipe.step("callModel", callModel, {
 *   retries: { attempts: 4, minDelay: 500, maxDelay: 8_000, retryOn: (e) => isRateLimit(e) },
 * });
 * ```
 */
export type RetryOption =
  | number
  | {
      /** Extra attempts after the first (an integer >= 0). */
      attempts: number;
      /**
       * Delay before the first retry, in milliseconds.
       * @default 100
       */
      minDelay?: number;
      /**
       * Longest delay between two attempts, in milliseconds.
       * @default 30000
       */
      maxDelay?: number;
      /**
       * Multiplier from one delay to the next (a number >= 1; `1` keeps the delay constant).
       * @default 2
       */
      factor?: number;
      /**
       * Randomises each delay so retries of many runs spread out: `true` picks it between 50% and
       * 100% of the computed delay, a number `j` from 0 to 1 between `(1 - j)` and 100%, and
       * `false` uses the computed delay exactly.
       * @default true
       */
      jitter?: boolean | number;
      /**
       * Retries only the errors for which this returns true (a predicate that throws counts as
       * false). Other errors go straight to the error handlers.
       * @default every error is retried
       */
      retryOn?: (error: unknown) => boolean;
    };

/** Options shared by every kind of step (`pipe.step`, and the base of map, switch and sub options). */
export interface StepOptions<State = unknown, Context = undefined> {
  /**
   * What runs after the step completes: one target, or an array of them to run in parallel. A step
   * that several steps lead to is a join: it waits at an implicit barrier (see `barrierType`).
   * A step's return value (a jump, `Stop`, `Suspend`) overrides `to`.
   * @default none: the branch ends after this step
   * @example
   * ```ts
   * pipe.step("plan", plan, { to: [searchWeb, searchDocs] }); // fan-out; both lead to "merge"
   * ```
   */
  to?: Target | readonly Target[];
  /**
   * Extra attempts when the step fails: a number (retried at once) or a policy with backoff
   * (see {@link RetryOption}).
   * @default 0
   */
  retries?: RetryOption;
  /**
   * Fails an attempt that runs longer than this many milliseconds with a `StepTimeoutError`, and
   * aborts its `signal`. Each retry attempt gets the full time again. A sub-pipeline step's timeout
   * covers its child run.
   * @default none: no limit
   * @example
   * ```ts
   * pipe.step("callModel", callModel, { timeout: 30_000, retries: 2 });
   * ```
   */
  timeout?: number;
  /**
   * For a join with `barrierType: "all"`: fails it with a `BarrierTimeoutError` (through its
   * `onError`) when its parents do not all arrive within this many milliseconds of the first one.
   * @default none: wait as long as the branches take
   */
  barrierTimeout?: number;
  /**
   * For a join (a step with two or more parents): `"all"` starts it once every parent has ended,
   * `"any"` starts it when the first one ends (later arrivals of the same wave do not start it again).
   * @default "all"
   */
  barrierType?: "all" | "any";
  /**
   * Handles this step's errors once automatic `retries` are used up; runs before the Pipe's global
   * `onError` handlers. Its return value decides recovery: nothing = recovered (the successors
   * run), `Retry`, `Skip`, `Raise`, a jump, `Stop` or `Suspend`.
   * @default none: the Pipe's `onError` handlers, then the run fails
   * @example
   * ```ts
   * pipe.step("enrich", enrich, { onError: ({ error }) => (isTransient(error) ? new Retry() : new Skip()) });
   * ```
   */
  onError?: ErrorHandler<State, Context>;
  /**
   * The steps this step may jump to by returning them. They are drawn in the graph, counted as
   * reachable by validation, and enforced: a jump to a step not listed fails the step with a
   * `StepNotFoundError`.
   * @default none: any registered step may be returned
   */
  routes?: readonly Target[];
}

/**
 * Options of `pipe.map`. `to` runs once, after every worker has ended.
 *
 * @example
 * ```ts
 * pipe.map("fetchAll", ({ state }) => state.urls, { each: "fetchOne", maxConcurrency: 4, to: "merge" });
 * ```
 */
export interface MapOptions<State = unknown, Context = undefined, Item = unknown>
  extends StepOptions<State, Context> {
  /**
   * The worker step, run once per item with the item as `args.item`. Required. Given as a
   * registered handler, its item type must accept the source's items (`pipe.step<string>(...)`
   * for a source of strings); a name is not checked.
   */
  each: string | MapWorker<State, Context, Item>;
  /**
   * Most workers running at once (an integer >= 1). Items are pulled from the source only as
   * workers free up, so memory stays bounded by this number.
   * @default unlimited: a worker starts for each item as soon as it is pulled
   */
  maxConcurrency?: number;
}

/** A map's worker as `each` accepts it: a registered handler whose `item` takes the map's items. */
export type MapWorker<State = unknown, Context = undefined, Item = unknown> = (
  args: StepArgs<State, Context, Item>,
) => unknown;

/**
 * A switch's routes: a table keyed by the handler's return value (compared as a string, so `1`
 * matches key `"1"`), or a function from that value to a target. A route to `Stop` ends the run; a
 * function that returns `undefined` or `null` falls back to the switch's `default`.
 */
export type SwitchRoutes =
  | Readonly<Record<string | number, Target | StopSignal>>
  | ((value: unknown) => Target | StopSignal | undefined | null);

/**
 * Options of `pipe.switch`.
 *
 * @example
 * ```ts
 * pipe.switch("triage", ({ state }) => state.intent, {
 *   to: { question: "answer", complaint: "escalate", bye: Stop },
 *   default: "clarify",
 * });
 * ```
 */
export interface SwitchOptions<State = unknown, Context = undefined>
  extends Omit<StepOptions<State, Context>, "to"> {
  /** Routing table or function (see {@link SwitchRoutes}). Required. */
  to: SwitchRoutes;
  /**
   * Route taken when no key matches (or the routing function returns `undefined` or `null`).
   * @default none: an unmatched value fails the switch with a `StepNotFoundError`
   */
  default?: Target | StopSignal;
}

/**
 * What a middleware receives about the step it wraps. Middleware is applied once per step, when
 * the first run freezes the pipe, so this describes the definition, not one invocation (read
 * `args.attempt` or `args.runId` in the wrapped handler for that).
 */
export interface StepContext {
  /** The step's name. */
  readonly name: string;
  /** How the step was registered: `pipe.step`, `pipe.map`, `pipe.switch` or `pipe.sub`. */
  readonly kind: "step" | "map" | "switch" | "sub";
  /** The name of the pipe the step belongs to. */
  readonly pipeName: string;
  /** The step's `retries` option as registered (`0` when not set). */
  readonly retries: RetryOption;
  /** The step's `timeout` option in milliseconds, or `undefined` when it has none. */
  readonly timeout: number | undefined;
}

/** A step function after middleware wrapping. */
export type WrappedHandler = (args: StepArgs<any, any, any>) => unknown;

/**
 * Middleware: takes the next handler and the step's context, returns a wrapped handler.
 * The first added is the outermost (it runs first on the way in), as in Koa and Hono.
 *
 * @example
 * ```ts
 * const logCalls: Middleware = (next, step) => (args) => {
 *   console.log(`${step.pipeName}/${step.name}, attempt ${args.attempt}`);
 *   return next(args); // return what the handler returns: a promise, a generator, a jump...
 * };
 * const pipe = new Pipe({ middleware: [logCalls] });
 * ```
 */
export type Middleware = (next: WrappedHandler, step: StepContext) => WrappedHandler;

/**
 * Options of `new Pipe()`. Invalid values throw a `DefinitionError` from the constructor.
 *
 * @example
 * ```ts
 * const pipe = new Pipe<State>({ name: "rag", queueSize: 100, metadata: { model: "gpt-4o" } });
 * ```
 */
export interface PipeOptions {
  /**
   * Name of the pipeline: shown in diagrams, debug logs, error messages and the middleware's
   * `pipeName`, and part of `pipe.hash()`.
   * @default "Pipe"
   */
  name?: string;
  /**
   * Undelivered events at which bulk producers (streaming steps' tokens, map sources, forwarded
   * sub-pipeline events) wait for the consumer to catch up; `0` means unbounded. The runtime's own
   * events never wait, so a small queue slows producers down but cannot deadlock a run.
   * Overridable per run with `run(state, { queueSize })`.
   * @default 1000
   */
  queueSize?: number;
  /**
   * When true, soft definition problems (several root steps without `allowMultiRoot`, unreachable
   * steps, a `start` that cannot reach every parent of an `all` join) are errors, thrown in the
   * `DefinitionError` with the others. When false they are emitted as process warnings
   * (`PipelineValidationWarning`) and the run goes on. Hard problems (unknown targets, cycles made
   * only of `to` edges...) always throw.
   * @default true
   */
  strict?: boolean;
  /**
   * Allow several root steps (steps nothing leads to), which then all start at once when a run
   * has no `start`. When false, several roots are a definition problem (see `strict`).
   * @default false
   */
  allowMultiRoot?: boolean;
  /**
   * Middleware wrapping every step's handler, outermost first; `pipe.addMiddleware` appends to it.
   * @default []
   */
  middleware?: readonly Middleware[];
  /**
   * How failures are attributed to `user_code`, `framework` or `external_dep`.
   * @default the default rules (see {@link FailureClassificationConfig})
   */
  failureClassification?: FailureClassificationConfig;
  /**
   * Read-only data about the pipeline (a model name, an owner...): copied and frozen, readable by
   * steps as `meta.pipeline.get(key)`, and included in `pipe.describe()`.
   * @default {}
   */
  metadata?: Readonly<Record<string, unknown>>;
  /**
   * Most times one invocation lineage may run in total (the first attempt plus every retry,
   * automatic or returned `Retry`); the next retry fails the step with a `RetryLimitError`.
   * An integer >= 1; it guards against endless `Retry` loops.
   * @default 100
   */
  maxRetries?: number;
  /**
   * How long each shutdown hook may take, in milliseconds on the run's clock. A hook still running
   * then is reported as a shutdown failure (`STEP_ERROR` stage `shutdown` with a `HookTimeoutError`,
   * failure kind `shutdown`), its signal is aborted, and the next hook runs: a hook that never
   * settles cannot hang the run or a consumer's `break`.
   * @default 10_000 (`DEFAULT_SHUTDOWN_TIMEOUT`)
   * @example
   * ```ts
   * new Pipe({ shutdownTimeout: 30_000 }); // flushing a large batch may take a while
   * ```
   */
  shutdownTimeout?: number;
  /**
   * How long each observer call (`onPipelineStart`, an async `onEvent`, `onPipelineEnd`,
   * `onPipelineError`) may take, in milliseconds on the run's clock. A call still running then is
   * reported once as a `JustpipeObserverWarning` and no longer waited for. `onPipelineStart` is
   * also cut short by the run's `timeout` and `signal`.
   * @default 5_000 (`DEFAULT_OBSERVER_TIMEOUT`)
   * @example
   * ```ts
   * new Pipe({ observerTimeout: 1_000 });
   * ```
   */
  observerTimeout?: number;
  /**
   * Log every delivered event to stderr, one line each (coloured on a terminal).
   * @default true when the `JUSTPIPE_DEBUG` environment variable is `1`, `true`, `yes` or `on`
   */
  debug?: boolean;
  /**
   * The clock for timestamps, durations, timeouts and retry backoff. Pass a `SimulatedClock`
   * (from `justpipe/testing`) to test timing without waiting.
   * @default {@link realClock}
   */
  clock?: Clock;
  /**
   * Makes a run without `context` an error: `run()`, `invoke()` and `resume()` throw a `TypeError`
   * naming the pipe from their first iteration, before any hook or step runs (and before anything
   * is stored). Types already require `context` when the Context type does not admit `undefined`;
   * this option is the check at run time, for JavaScript callers and casts that types cannot see.
   * A sub-pipeline with it fails its sub step when the parent run has no context.
   * @default false: a run without context runs with `ctx` undefined
   * @example
   * ```ts
   * const pipe = new Pipe<State, { userId: string }>({ requireContext: true });
   * ```
   */
  requireContext?: boolean;
}

/**
 * Options of `pipe.run()`. Invalid values are thrown (as a `TypeError`) from the first iteration.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * const options = { context: { db }, timeout: 60_000, signal: controller.signal };
 * for await (const event of pipe.run(state, options)) console.log(event.type, event.stage);
 * ```
 */
export interface RunOptions<Context = undefined> {
  /**
   * The run's context: dependencies and per-run settings that are not state (clients, the user,
   * a request id). Passed to every step and hook as `ctx`, and to sub-pipelines.
   * @default undefined
   */
  context?: Context;
  /**
   * Start from this step (a name or a registered handler) instead of the root steps. Used to resume
   * after `Suspend`: pass the `step` of the `SUSPEND` payload.
   * @default the root steps
   * @example
   * ```ts
   * pipe.run(savedState, { start: suspendEvent.payload.step });
   * ```
   */
  start?: Target;
  /**
   * Ends the run after this many milliseconds (startup hooks and steps included): `TIMEOUT` is
   * emitted, running steps are aborted and closed with `CANCELLED`, shutdown hooks run, and
   * `FINISH` has status `timeout`.
   * @default none: no limit
   */
  timeout?: number;
  /**
   * Overrides the Pipe's `queueSize` for this run (`0` = unbounded).
   * @default the Pipe's `queueSize`
   */
  queueSize?: number;
  /**
   * Cancels the run when it aborts: `CANCELLED` (stage `system`) is emitted, running steps are
   * aborted and closed with `CANCELLED`, shutdown hooks run, and `FINISH` has status `cancelled`.
   * @default none
   */
  signal?: AbortSignal;
  /**
   * Overrides the Pipe's clock for this run.
   * @default the Pipe's `clock`
   */
  clock?: Clock;
  /**
   * Runs step handlers through this executor instead of calling them in this process:
   * `isolatedExecutor()` (each handler gets a copy of the state; its changes are applied when it
   * ends), or `bullmqExecutor(...)` from `justpipe/bullmq` (worker processes). The run loop stays
   * here. Map and sub steps themselves always run here; their items and child steps do not.
   * @default none: handlers run in this process on the live state, as always
   * @example
   * ```ts
   * pipe.run(state, { executor: bullmqExecutor({ connection: "redis://127.0.0.1:6379" }) });
   * ```
   */
  executor?: StepExecutor;
  /**
   * With an `executor`: what happens when two invocations that ran at the same time changed the
   * same state path: `"error"` fails the one that ended second with a `StateConflictError`;
   * `"last-writer-wins"` keeps the change that ended last.
   * @default "error"
   */
  stateConflict?: StateConflictPolicy;
}

/**
 * The options argument of `run()`: optional, unless the Context type does not admit `undefined`
 * (`new Pipe<State, { userId: string }>()`); then it is required and must hold `context`.
 *
 * @example
 * ```ts
 * const pipe = new Pipe<State, { userId: string }>();
 * pipe.run(state);                               // type error: the run needs a context
 * pipe.run(state, { context: { userId: "u1" } }); // ok
 * ```
 */
export type RunArguments<Context> = undefined extends Context
  ? [options?: RunOptions<Context>]
  : [options: RunOptions<Context> & { context: Context }];
