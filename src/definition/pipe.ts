import { DefinitionError, PipeFrozenError } from "../errors/errors.js";
import { expectedOf } from "../errors/messages.js";
import type { PipeEvent } from "../events/types.js";
import { type ExecutionPlan, targetsOf } from "../graph/plan.js";
import type {
  AnyHandler,
  ErrorHandler,
  HookHandler,
  MapHandler,
  StepHandler,
  SubHandler,
  SwitchHandler,
  Target,
} from "../model/handler-types.js";
import type { NestedPipe } from "../model/nested-pipe.js";
import type { EventHook, Observer } from "../model/observer.js";
import type {
  MapOptions,
  Middleware,
  PipeOptions,
  RunArguments,
  RunOptions,
  StepArguments,
  StepOptions,
  SwitchOptions,
} from "../model/options.js";
import type { CompiledPipe } from "../runtime/compiled-pipe.js";
import { type InvokeOptions, type InvokeResult, invokePipe } from "../runtime/invoke.js";
import { NO_OPTIONS, runPipe } from "../runtime/run-stream.js";
import type { Store } from "../store/store.js";
import {
  describePipe,
  type GraphOptions,
  hashPipe,
  type PipeDescription,
  renderMermaid,
} from "../visualization/index.js";
import type {
  Durability,
  DurableInvokeArguments,
  DurablePipeOptions,
  DurableRunArguments,
  DurableRunOptions,
  ResumeOptions,
} from "./durable-options.js";
import { resumeDurable, runDurable } from "./durable-run.js";
import { PipeDefinition } from "./pipe-definition.js";
import { resolvePipeOptions } from "./pipe-options.js";
import { checkMapOptions, checkSwitchOptions, type RegisteredStep } from "./registration.js";
import type { StepInfo } from "./step-info.js";
import type { SubOptions } from "./sub-options.js";

/** The `#validated` key of a run without a `start` option. */
const _NO_START = "\u0000";

/**
 * A pipeline: register steps (plain functions), wire them with `to`, and `run()` it as an async
 * stream of typed events.
 *
 * @typeParam State - the shared, mutable state every step receives.
 * @typeParam Context - the per-run context (`run(state, { context })`).
 * @typeParam Token - what streaming steps yield: the `TOKEN` payload type (`string` for LLM text).
 *   Steps may only yield it; the pipe's own events type their tokens with it. Tokens forwarded
 *   from a sub-pipeline have the child's type.
 *
 * @example
 * ```ts
 * const pipe = new Pipe<{ message: string }>({ name: "hello" });
 * const respond = pipe.step("respond", async function* ({ state }) { yield `${state.message}, World!`; });
 * pipe.step("greet", ({ state }) => { state.message = "Hello"; }, { to: respond });
 * for await (const event of pipe.run({ message: "" })) console.log(event.type);
 * ```
 */
export class Pipe<State = unknown, Context = undefined, Token = unknown> {
  /** The pipeline's name. */
  readonly name: string;
  readonly #store: Store | undefined;
  readonly #durability: Durability | undefined;
  readonly #definition: PipeDefinition<State, Context>;

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
    this.#store = store;
    this.#durability = durability;
    this.name = resolved.name;
    this.#definition = new PipeDefinition(this, resolved);
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
    H extends StepHandler<State, Context, Item, Token> = StepHandler<State, Context, Item, Token>,
  >(...args: StepArguments<H, StepOptions<State, Context>>): H {
    const [first, second, third] = args as unknown[];
    const [name, handler, options] = this.#definition.nameArgs(
      first as string | AnyHandler,
      second,
      third,
      "step",
    );
    this.#definition.register("step", name, handler, options as StepOptions<State, Context>);
    return handler as H;
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
    const checked = this.#definition.checkRegistration(name, handler, "map");
    checkMapOptions(checked, options);
    this.#definition.register("map", checked, handler, options);
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
    const checked = this.#definition.checkRegistration(name, handler, "switch");
    checkSwitchOptions(checked, options);
    this.#definition.register("switch", checked, handler, { ...options, to: undefined }, options);
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
    H extends SubHandler<State, Context, ChildState, Item> = SubHandler<State, Context, ChildState, Item>,
  >(name: string, handler: H, options: SubOptions<State, Context>): H {
    const checked = this.#definition.checkRegistration(name, handler, "sub");
    if (!(options?.pipeline instanceof Pipe)) {
      throw new DefinitionError(
        `Sub-pipeline step '${checked}' needs a \`pipeline\` option holding a Pipe, got ${String(options?.pipeline)}. Pass the child: pipe.sub("${checked}", handler, { pipeline: childPipe }).`,
        checked,
      );
    }
    if (options.pipeline === (this as unknown)) {
      throw new DefinitionError(
        `Sub-pipeline step '${checked}' cannot run its own pipe as a child: it would nest forever. To repeat steps, loop inside the pipe with a switch route or a \`routes\` jump; to nest, give the step a separate Pipe.`,
        checked,
      );
    }
    this.#definition.register("sub", checked, handler, options);
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
    return this.#definition.addTo(this.#definition.startup, hook, "add a startup hook");
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
    return this.#definition.addTo(this.#definition.shutdown, hook, "add a shutdown hook");
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
    return this.#definition.addTo(this.#definition.errorHooks, handler, "add an error handler");
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
    return this.#definition.addTo(this.#definition.middleware, middleware, "add middleware");
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
    if (typeof observer !== "object" || observer === null) {
      throw expectedOf(
        `Pipe '${this.name}'`,
        "observer",
        "an object with onEvent/onPipelineStart/... methods",
        observer,
      );
    }
    return this.#definition.addTo(this.#definition.observers, observer, "add an observer");
  }

  /**
   * Adds an event hook that may rewrite each event before delivery (see {@link EventHook}). Hooks
   * run in the order added. Returns a function that removes it (before the first run).
   */
  addEventHook(hook: EventHook): () => void {
    return this.#definition.addTo(this.#definition.eventHooks, hook, "add an event hook");
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
    const runOptions = (options.length === 0 ? NO_OPTIONS : options[0]) as RunOptions<Context> &
      DurableRunOptions;
    const store = runOptions.store ?? this.#store;
    if (store === undefined)
      return runPipe(this, state, runOptions) as AsyncGenerator<PipeEvent<State, Token>, void, undefined>;
    return runDurable(this, state, runOptions, store, this.#durability) as AsyncGenerator<
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
    return resumeDurable(
      this,
      runId,
      options as ResumeOptions<unknown, unknown>,
      options.store ?? this.#store,
      this.#durability,
    ) as AsyncGenerator<PipeEvent<State, Token>, void, undefined>;
  }

  /**
   * Checks the definition and throws one `DefinitionError` listing every problem. In non-strict
   * mode, soft problems (several roots, unreachable steps) are warnings instead.
   * Sub-pipelines are checked too. Does not freeze the pipe.
   *
   * @param options - `start`: check the definition as a run from this step would see it.
   * @throws {@link DefinitionError} listing every problem found.
   *
   * @example
   * ```ts
   * test("the pipeline is valid", () => {
   *   expect(() => pipe.validate()).not.toThrow();
   * });
   * ```
   */
  validate(options: { start?: Target } = {}): void {
    this.#definition.check(options.start, new Set([this]));
  }

  /**
   * Every registered step, in registration order.
   *
   * @example
   * ```ts
   * for (const { name, kind, targets } of pipe.steps()) console.log(name, kind, "->", targets.join(", "));
   * ```
   */
  steps(): StepInfo[] {
    const plan = this._plan();
    return [...this.#definition.steps.values()].map((d) => {
      return {
        name: d.name,
        kind: d.kind,
        targets: targetsOf(plan.nodes.get(d.name)!),
        timeout: d.timeout,
        retries: d.retries,
        barrierTimeout: d.barrierTimeout,
        barrierType: d.barrierType,
        hasErrorHandler: d.onError !== undefined,
      };
    });
  }

  /**
   * Static `to` edges by step name (a copy): only steps that have a `to` appear. Map, switch and
   * declared `routes` edges are in {@link Pipe.steps} and {@link Pipe.describe}.
   *
   * @example
   * ```ts
   * pipe.topology(); // { greet: ["respond"] }
   * ```
   */
  topology(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [name, node] of this._plan().nodes)
      if (node.successors.length > 0) out[name] = [...node.successors];
    return out;
  }

  /** The Pipe's `metadata` option (frozen; `{}` when not given). */
  get metadata(): Readonly<Record<string, unknown>> {
    return this.#definition.options.metadata;
  }

  /**
   * The pipeline as a Mermaid flowchart: `Start` and `End`, one shape per kind (step, streaming
   * step ⚡, map, map worker, switch, sub-pipeline), a `Parallel` box per static fan-out, a
   * `Utilities` box for steps with no edge, hook boxes, labelled switch routes (a route to `Stop`
   * goes to `End`), dotted map edges, dashed `dynamic` edges for declared `routes`, `(Any)` on
   * any-joins, and sub-pipelines as nested clusters. Names are shown humanised (`fetchUser` ->
   * "Fetch User") and escaped, so any name gives valid Mermaid. Deterministic: node ids follow the
   * sorted step names. Works before and after the first run, and on invalid definitions.
   *
   * @example
   * ```ts
   * console.log(pipe.graph());                    // paste into a ```mermaid block
   * writeFileSync("pipe.mmd", pipe.graph({ direction: "LR" }));
   * ```
   */
  graph(options?: GraphOptions): string {
    return renderMermaid(this, options);
  }

  /**
   * A JSON-serialisable description of the definition, keys in a stable order: `name`, `hash`,
   * `nodes` (kind, streaming, targets, non-default options, sub-pipelines described recursively),
   * `edges` (`static`, `map`, `switch` with its route label, `dynamic`), `groups` (static fan-outs),
   * `roots` (what a run starts from), `hooks` (function names) and `metadata`.
   *
   * @example
   * ```ts
   * const { roots, edges } = pipe.describe();
   * writeFileSync("pipe.json", JSON.stringify(pipe.describe(), null, 2));
   * ```
   */
  describe(): PipeDescription {
    return describePipe(this);
  }

  /**
   * A stable identity of the definition: 16 hex characters of a SHA-256 over the pipe's name, each
   * step's name, kind and barrier type, every edge (`to`, map `each`, switch routes and default,
   * `Stop` routes, declared `routes`) and each sub-pipeline's hash. Registration order, handlers,
   * hooks, timeouts, retries and metadata do not change it.
   *
   * @example
   * ```ts
   * pipe.hash(); // "5d0c2e9a7f31b482"
   * ```
   */
  hash(): string {
    return hashPipe(this);
  }

  /** @internal True once the definition is frozen (after the first run). */
  get _frozen(): boolean {
    return this.#definition.frozen;
  }

  /** @internal The definition a run executes; validates and freezes on first use. */
  _compile(start: Target | undefined): CompiledPipe {
    return this.#definition.compile(start, () => this.hash());
  }

  /** @internal Replaces a step's handler, even after the freeze (used by `TestPipe`). */
  _replaceHandler(name: string, handler: AnyHandler): AnyHandler {
    return this.#definition.replaceHandler(name, handler);
  }

  /** @internal Resolves a target to a registered step name. */
  _nameOf(target: Target): string | undefined {
    return this.#definition.nameOf(target);
  }

  /** @internal The registered definitions, in order. */
  _definitions(): readonly RegisteredStep[] {
    return this.#definition.definitions();
  }

  /** @internal The lifecycle and error hooks (the live lists the compiled pipe uses). */
  _hooks(): {
    startup: readonly AnyHandler[];
    shutdown: readonly AnyHandler[];
    onError: readonly AnyHandler[];
  } {
    return this.#definition.hooks();
  }

  /** @internal Validates this pipe as a sub-pipeline nested in the pipes of `within` (itself included). */
  _checkWithin(within: ReadonlySet<NestedPipe>): void {
    this.#definition.checkWithin(within);
  }

  /** @internal The resolved graph: the frozen one after the first run, else analysed afresh. */
  _plan(): ExecutionPlan {
    return this.#definition.plan();
  }
}
