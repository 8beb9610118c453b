import type { PipeEvent } from "../events/types.js";
import type {
  ErrorHandler,
  HookHandler,
  MapHandler,
  StepHandler,
  SubHandler,
  SwitchHandler,
} from "../model/handler-types.js";
import type { EventHook, Observer } from "../model/observer.js";
import type {
  MapOptions,
  Middleware,
  PipeOptions,
  RunArguments,
  StepOptions,
  SwitchOptions,
} from "../model/options.js";
import type { StepArguments, StepItem, StepToken, StepTypes } from "../model/step-types.js";
import { type InvokeOptions, type InvokeResult, invokePipe } from "../runtime/invoke.js";
import { type ObserveOptions, observeRun, type StartOptions, startDetached } from "./detached-run.js";
import type {
  DurableInvokeArguments,
  DurablePipeOptions,
  DurableRunArguments,
  ResumeOptions,
} from "./durable-options.js";
import { PipeIntrospection } from "./pipe-introspection.js";
import { resolvePipeOptions } from "./pipe-options.js";
import { checkMapOptions, checkSubOptions, checkSwitchOptions } from "./registration.js";
import { type RunDefaults, startResume, startRun } from "./run-start.js";
import type { SubOptions } from "./sub-options.js";

/**
 * A pipeline: register steps (plain functions), wire them with `to`, and `run()` it as an async
 * stream of typed events.
 *
 * @typeParam State - the shared, mutable state every step receives.
 * @typeParam Context - the per-run context (`run(state, { context })`).
 * @typeParam Token - what streaming steps yield: the `TOKEN` payload type (`string` for LLM text).
 *   Steps may only yield it; the pipe's own events type their tokens with it. Tokens forwarded
 *   from a sub-pipeline have the child's type.
 * @typeParam Steps - optional: the step registry, argument types by step name (see
 *   {@link StepTypes}): a map worker's `item`, a streaming step's `token` (one of `Token`'s types).
 *   Steps registered by a declared name, and `TestPipe` mocks of them, get these types.
 *
 * Reading the definition (`validate`, `steps`, `topology`, `graph`, `describe`, `hash`,
 * `metadata`) is inherited from {@link PipeIntrospection}.
 *
 * @example
 * ```ts
 * const pipe = new Pipe<{ message: string }>({ name: "hello" });
 * const respond = pipe.step("respond", async function* ({ state }) { yield `${state.message}, World!`; });
 * pipe.step("greet", ({ state }) => { state.message = "Hello"; }, { to: respond });
 * for await (const event of pipe.run({ message: "" })) console.log(event.type);
 * ```
 */
export class Pipe<
  State = unknown,
  Context = undefined,
  Token = unknown,
  Steps extends StepTypes<Steps, Token> = Record<never, never>,
> extends PipeIntrospection<State, Context> {
  /** The Pipe's `store`, `durability` and `requireContext`: what every run starts from. */
  readonly #runDefaults: RunDefaults;

  /**
   * Creates an empty pipeline. Register steps, then `run()` it.
   *
   * @param options - name, queue size, validation, middleware and other settings
   *   (see {@link PipeOptions}).
   * @throws {@link DefinitionError} when an option is invalid.
   */
  constructor(options: PipeOptions & DurablePipeOptions = {}) {
    const { store, durability, ...pipeOptions } = options;
    const resolved = resolvePipeOptions(pipeOptions);
    super(resolved);
    this.#runDefaults = { store, durability, requireContext: resolved.requireContext };
    for (const middleware of options.middleware ?? []) this.addMiddleware(middleware);
  }

  /**
   * Registers a step. Returns the handler, so it can be a `to` target and still be called in unit tests.
   * Without a name, the step is named after the function (`handler.name`).
   *
   * The handler may be sync, async or an async generator (each `yield` is a `TOKEN`). What it
   * returns decides what runs next: nothing follows `to`; a step name or handler jumps there;
   * `Stop`, `Suspend`, `Retry`, `Skip` or `Raise` control the run.
   *
   * A name declared in the Pipe's step registry (`Steps`) types the handler's `item` and what it
   * may yield; `pipe.step<Item>(...)` types `item` for an undeclared one.
   *
   * @throws {@link DefinitionError} for a duplicate name, an anonymous handler, a sync generator or
   *   an invalid option; {@link PipeFrozenError} after the first run.
   *
   * @example
   * ```ts
   * const b = pipe.step("b", async ({ state }) => { state.done = true; });
   * pipe.step("a", async () => {}, { to: b });
   * ```
   */
  step<
    Item = unknown,
    First extends string | StepHandler<State, Context, Item, Token> =
      | string
      | StepHandler<State, Context, Item, Token>,
    H extends StepHandler<
      State,
      Context,
      StepItem<Steps, First, Item>,
      StepToken<Steps, First, Token>
    > = StepHandler<State, Context, StepItem<Steps, First, Item>, StepToken<Steps, First, Token>>,
  >(
    first: First,
    ...rest: StepArguments<First, H, StepOptions<State, Context>>
  ): First extends string ? H : First {
    const [name, handler, options] = this._definition.nameArgs(first, rest[0], rest[1], "step");
    this._definition.register("step", name, handler, options as StepOptions<State, Context>);
    return handler as First extends string ? H : First;
  }

  /**
   * Registers a map step: its handler returns (or generates) items, and the `each` worker runs once
   * per item, at most `maxConcurrency` at a time; `to` runs once after every worker has finished.
   *
   * @example
   * ```ts
   * pipe.map("fan", ({ state }) => state.urls, { each: "fetchOne", maxConcurrency: 8, to: "merge" });
   * pipe.step<string>("fetchOne", async ({ item }) => { ... });
   * ```
   */
  map<Item = unknown>(
    name: string,
    handler: MapHandler<State, Context, Item>,
    options: MapOptions<State, Context, Item>,
  ): MapHandler<State, Context, Item> {
    const checked = this._definition.checkRegistration(name, handler, "map");
    checkMapOptions(checked, options);
    this._definition.register("map", checked, handler, options);
    return handler;
  }

  /**
   * Registers a switch: the handler's return value picks a route from the `to` table (or a routing
   * function); `Stop` as a route ends the run.
   *
   * @example
   * ```ts
   * pipe.switch("decide", ({ state }) => (state.value > 0 ? "pos" : "neg"), {
   *   to: { pos: "positive", neg: "negative" },
   * });
   * ```
   */
  switch<Key = unknown, H extends SwitchHandler<State, Context, Key> = SwitchHandler<State, Context, Key>>(
    name: string,
    handler: H,
    options: SwitchOptions<State, Context>,
  ): H {
    const checked = this._definition.checkRegistration(name, handler, "switch");
    checkSwitchOptions(checked, options);
    this._definition.register("switch", checked, handler, { ...options, to: undefined }, options);
    return handler;
  }

  /**
   * Registers a sub-pipeline step: the handler returns the child pipeline's state, the child runs
   * with this run's context, and its events are forwarded into this stream (stages
   * `"<sub step>:<child stage>"`). The step ends after the child's `FINISH`; a failed child fails
   * the step with a {@link SubPipelineError}, a suspended child suspends this run.
   *
   * @example
   * ```ts
   * const summarize = new Pipe<{ text: string; summary?: string }>({ name: "summarize" });
   * // ... register summarize's steps ...
   * pipe.sub("summary", ({ state }) => ({ text: state.document }), { pipeline: summarize, to: "publish" });
   * ```
   */
  sub<
    ChildState = unknown,
    Item = unknown,
    Name extends string = string,
    H extends SubHandler<State, Context, ChildState, StepItem<Steps, Name, Item>> = SubHandler<
      State,
      Context,
      ChildState,
      StepItem<Steps, Name, Item>
    >,
  >(name: Name, handler: H, options: SubOptions<State, Context>): H {
    const checked = this._definition.checkRegistration(name, handler, "sub");
    checkSubOptions(checked, options, this, Pipe);
    this._definition.register("sub", checked, handler, options);
    return handler;
  }

  /**
   * Adds a startup hook, run in order before `START`. A hook that throws fails the run (`startup`)
   * before any step starts. Returns a function that removes it (before the first run).
   *
   * @example
   * ```ts
   * pipe.onStartup(async ({ state, ctx }) => { state.user = await ctx.users.get(state.userId); });
   * ```
   */
  onStartup(hook: HookHandler<State, Context>): () => void {
    return this._definition.addTo(this._definition.startup, hook, "add a startup hook");
  }

  /**
   * Adds a shutdown hook, always run (in order) before `FINISH`, whatever the outcome (failure,
   * timeout, cancellation and client close included). A hook that throws is reported as a
   * `STEP_ERROR` with stage `shutdown` and fails an otherwise successful run. Returns a function
   * that removes it (before the first run).
   *
   * @example
   * ```ts
   * pipe.onShutdown(async ({ ctx }) => { await ctx.browser.close(); });
   * ```
   */
  onShutdown(hook: HookHandler<State, Context>): () => void {
    return this._definition.addTo(this._definition.shutdown, hook, "add a shutdown hook");
  }

  /**
   * Adds a global error handler, called for a step error that its own `onError` did not handle.
   * Its return value decides recovery (nothing = recovered). Returns a function that removes it.
   * Handlers are asked in order; one that throws passes its error to the next.
   *
   * @example
   * ```ts
   * pipe.onError(({ error, stepName }) => {
   *   console.error(`${stepName} failed`, error);
   *   return new Raise(); // still fail the run, after logging
   * });
   * ```
   */
  onError(handler: ErrorHandler<State, Context>): () => void {
    return this._definition.addTo(this._definition.errorHooks, handler, "add an error handler");
  }

  /**
   * Adds a middleware that wraps every step's handler (the first added is the outermost). Returns
   * a function that removes it (before the first run).
   *
   * @example
   * ```ts
   * pipe.addMiddleware(simpleLoggingMiddleware);
   * ```
   */
  addMiddleware(middleware: Middleware): () => void {
    return this._definition.addTo(this._definition.middleware, middleware, "add middleware");
  }

  /**
   * Adds an observer of every run: it sees every delivered event, then how the run ended (see
   * {@link Observer}). Returns a function that removes it (before the first run).
   *
   * @example
   * ```ts
   * pipe.addObserver({ onPipelineEnd: (end, { runId }) => metrics.record(runId, end.durationMs) });
   * ```
   */
  addObserver(observer: Observer<State, Context>): () => void {
    return this._definition.addObserver(observer);
  }

  /**
   * Adds an event hook that may rewrite each event before delivery (see {@link EventHook}). Hooks
   * run in the order added. Returns a function that removes it (before the first run).
   */
  addEventHook(hook: EventHook): () => void {
    return this._definition.addTo(this._definition.eventHooks, hook, "add an event hook");
  }

  /**
   * Runs the pipeline: an async stream of events ending with exactly one `FINISH` (unless you
   * leave the loop early, which closes the run). Validation happens on the first iteration.
   *
   * Nothing runs until the stream is iterated. The first iteration of the pipe's first run
   * validates the definition and freezes it. Failures while running are events, not exceptions:
   * read `FINISH`'s payload for the outcome. Leaving the loop early (`break`) aborts running steps,
   * runs the shutdown hooks, and delivers nothing more.
   *
   * @param state - the run's shared, mutable state: every step receives this same object.
   * @param options - context, start step, timeout, queue size, cancellation signal, clock
   *   (see {@link RunOptions}).
   * @throws {@link DefinitionError} (from the first iteration) when the definition is invalid, and a
   *   `TypeError` when an option is.
   *
   * @example
   * ```ts
   * for await (const event of pipe.run({ message: "" }, { timeout: 10_000 })) {
   *   if (event.type === EventType.TOKEN) process.stdout.write(String(event.payload));
   *   if (event.type === EventType.FINISH) console.log("\n", event.payload.status);
   * }
   * ```
   */
  run(
    state: State,
    ...options: DurableRunArguments<Context>
  ): AsyncGenerator<PipeEvent<State, Token>, void, undefined> {
    return startRun(this, state, options, this.#runDefaults) as AsyncGenerator<
      PipeEvent<State, Token>,
      void,
      undefined
    >;
  }

  /**
   * Runs the pipeline to the end and returns the final state, the `FINISH` payload and the tokens:
   * for scripts, jobs and request handlers that want the result, not the stream.
   *
   * @param state - the run's shared, mutable state (returned as `state`).
   * @param options - those of {@link Pipe.run} (the durable ones included: `store`, `runId`,
   *   `durability`, `labels`...), and `throwOnFailure` (default `true`).
   * @returns `{ state, end, tokens }` once the run has ended `success` (any status with
   *   `throwOnFailure: false`).
   * @throws `PipelineError` (its `end` is the `FINISH` payload) when the run did not succeed:
   *   `failed`, `timeout`, `cancelled` or `suspended`; {@link DefinitionError} when the definition
   *   is invalid.
   *
   * @example
   * ```ts
   * const { state, tokens } = await pipe.invoke({ question: "What is justpipe?" }, { timeout: 30_000 });
   * ```
   */
  invoke(state: State, ...options: DurableInvokeArguments<Context>): Promise<InvokeResult<State, Token>> {
    const invokeOptions = (options.length === 0 ? {} : options[0]) as InvokeOptions<Context>;
    return invokePipe(this.name, state, invokeOptions, (runOptions) =>
      this.run(state, ...([runOptions] as RunArguments<Context>)),
    );
  }

  /**
   * Continues a stored run: a suspended one after its suspended step, one whose process died from
   * its last checkpoint (steps that had ended are not run again; steps in flight run again), a
   * failed, timed-out or cancelled one only with `retryFailed`. The run id may be a unique
   * prefix. Each resume is a new run segment (new `runId`, same `threadId`, `resumedFrom` the
   * run it continues) with exactly one `FINISH`.
   *
   * @param runId - the run (or a unique prefix of its id).
   * @param options - `store` (default: the Pipe's), `input` (a partial state merged into the
   *   restored one, or a function that changes it), `context`, `signal`, `timeout`,
   *   `retryFailed`, `allowDefinitionChange`, `durability`, `codec`.
   * @throws (from the first iteration) {@link RunNotFoundError}, {@link RunNotResumableError},
   *   {@link ResumeMismatchError}, {@link RunLockedError} (another resume holds the run),
   *   `CodecError`.
   *
   * @example
   * ```ts
   * for await (const event of pipe.resume(runId, { store, input: { approved: true } })) {}
   * ```
   */
  resume(
    runId: string,
    options: ResumeOptions<State, Context> = {},
  ): AsyncGenerator<PipeEvent<State, Token>, void, undefined> {
    return startResume(
      this,
      runId,
      options as ResumeOptions<unknown, unknown>,
      this.#runDefaults,
    ) as AsyncGenerator<PipeEvent<State, Token>, void, undefined>;
  }

  /**
   * Starts a detached run: stores it (status `"running"`, its state in a first checkpoint) and
   * hands it to the executor's workers, which host its run loop with checkpoints after every step;
   * resolves its run id at once. When the hosting worker dies, another takes the run over from its
   * checkpoint and picks up the step jobs already queued. Follow it with {@link Pipe.observe}.
   *
   * @param state - the run's initial state (stored with the `codec`).
   * @param options - `executor` (one that hosts runs: `bullmqExecutor`), `store` (default: the
   *   Pipe's; the workers need the same), `runId`, `labels`, `codec`, `durability` (`"step"`
   *   default, or `"sync"`), `timeout`, `start`, `leaseTtl`, `persist` (see {@link StartOptions}).
   * @returns the run id.
   * @throws `TypeError` without a hosting executor or a store; {@link DefinitionError} for an
   *   invalid definition; `RunExistsError` for a taken `runId`; `CodecError` for a state the codec
   *   refuses.
   *
   * @example
   * ```ts
   * const runId = await pipe.start({ docs }, { executor: bullmqExecutor({ connection }), store });
   * for await (const event of pipe.observe(runId, { store })) console.log(event.type);
   * ```
   */
  start(state: State, options: StartOptions): Promise<string> {
    return startDetached(this, state, options, options?.store ?? this.#runDefaults.store);
  }

  /**
   * The events of a stored run: those already stored, then each one as it is stored, until its
   * `FINISH` (a run whose host died is followed into the segment that took it over). Polls the
   * store (`pollInterval`), or wakes on `NOTIFY` with `PostgresStore`. Works from any process.
   * Tokens that the run stored coalesced come out one by one, together.
   *
   * @param runId - the run (or a unique prefix of its id), as `start()` returned it.
   * @param options - `store` (default: the Pipe's), `signal` (stops observing), `pollInterval`.
   * @throws (from the first iteration) {@link RunNotFoundError}.
   *
   * @example
   * ```ts
   * for await (const event of pipe.observe(runId, { store })) {
   *   if (event.type === EventType.FINISH) console.log(event.payload.status);
   * }
   * ```
   */
  observe(
    runId: string,
    options: ObserveOptions = {},
  ): AsyncGenerator<PipeEvent<State, Token>, void, undefined> {
    return observeRun(runId, options, options.store ?? this.#runDefaults.store) as AsyncGenerator<
      PipeEvent<State, Token>,
      void,
      undefined
    >;
  }

  /** @internal True when the pipe has its own store (its runs are durable, so a sub step streams them). */
  _hasStore(): boolean {
    return this.#runDefaults.store !== undefined;
  }

  /** @internal True when the pipe was made with `requireContext: true`. */
  _requiresContext(): boolean {
    return this.#runDefaults.requireContext;
  }
}
