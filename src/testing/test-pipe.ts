import type { Pipe } from "../definition/pipe.js";
import { didYouMean } from "../errors/did-you-mean.js";
import { StepNotFoundError } from "../errors/errors.js";
import { shownValue } from "../errors/messages.js";
import type { PipeEvent } from "../events/types.js";
import { Raise } from "../model/control.js";
import type { AnyHandler, StepArgs, Target } from "../model/handler-types.js";
import type { RunArguments, RunOptions } from "../model/options.js";
import type { StepItem, StepTypes } from "../model/step-types.js";
import { type MockImplementation, StepMock } from "./mock.js";
import { TestResult } from "./test-result.js";

/** Node >= 20.19 has it; older runtimes get the well-known registry symbol TypeScript's `using` falls back to. */
(Symbol as { dispose?: symbol }).dispose ??= Symbol.for("Symbol.dispose");

const EMPTY: readonly never[] = Object.freeze([]);

/** The hook lists a TestPipe can mock, by the name `Pipe._hooks()` gives them. */
type HookKind = "startup" | "shutdown" | "onError";

/**
 * The item type of a registered handler (`pipe.step<string>(...)` gives `string`), so a mock of
 * that handler takes the same arguments; `any` when the handler does not say.
 */
export type ItemOf<H> = H extends (args: StepArgs<any, any, infer Item>) => unknown
  ? unknown extends Item
    ? any
    : Item
  : any;

/**
 * A test harness around a {@link Pipe}: mock steps, run to completion, assert on the result.
 *
 * - `mock(step, impl?)` swaps the step's handler (by name or registered handler) for a
 *   recording {@link StepMock}. Mocks run exactly where the real step would: through the pipe's
 *   middleware, retries, timeouts and error handlers. Mocking works before and after the pipe's
 *   first run (the freeze); while a mock is installed, every run of the pipe uses it, including
 *   runs started with `pipe.run()` directly and runs of a parent pipe that uses it as a sub-pipeline.
 * - `mockStartup(impl?)`, `mockShutdown(impl?)` and `mockOnError(impl?)` swap the pipe's lifecycle
 *   hooks and global error handlers for one recording mock each, so hooks that open real
 *   connections can be replaced in tests.
 * - `restore()` puts every original handler back, leaving the pipe as it was; `TestPipe` is
 *   `Disposable`, so `using tester = new TestPipe(pipe)` restores at the end of the block.
 * - `run(state, options?)` consumes the whole event stream and returns a {@link TestResult}.
 *
 * Use one `TestPipe` per pipe at a time. To mock a step of a sub-pipeline, wrap the child pipe
 * in its own `TestPipe`.
 *
 * @typeParam State - the pipe's state.
 * @typeParam Context - the pipe's context.
 * @typeParam Steps - the pipe's step registry (see `StepTypes`): a mock by a declared name gets
 *   the step's item type.
 *
 * @example
 * ```ts
 * test("greets", async () => {
 *   using tester = new TestPipe(pipe);
 *   const greet = tester.mock("greet", ({ state }) => { state.message = "Hi"; });
 *   const result = await tester.run({ message: "" });
 *   greet.assertCalledOnce();
 *   expect(result.tokens).toEqual(["Hi, World!"]);
 * });
 * ```
 */
export class TestPipe<
  State = unknown,
  Context = undefined,
  Steps extends StepTypes<Steps> = Record<never, never>,
> implements Disposable
{
  /** The pipe under test. */
  readonly pipe: Pipe<State, Context, any, Steps>;
  /** Original handlers of the mocked steps, by step name. */
  readonly #originals = new Map<string, AnyHandler>();
  /** Original hook lists of the mocked kinds of hooks. */
  readonly #hookOriginals = new Map<HookKind, AnyHandler[]>();

  /**
   * Wraps a pipe for testing. Nothing changes until you `mock` a step.
   *
   * @param pipe - the pipe under test.
   * @throws `TypeError` when `pipe` is not a `Pipe`.
   */
  constructor(pipe: Pipe<State, Context, any, Steps>) {
    if (typeof (pipe as { _replaceHandler?: unknown })?._replaceHandler !== "function") {
      throw new TypeError(`Expected \`pipe\` to be a Pipe, got ${shownValue(pipe)}.`);
    }
    this.pipe = pipe;
  }

  /**
   * Replaces a step's handler with a recording mock until {@link TestPipe.restore}.
   *
   * Without `impl`, the mock returns `undefined`, so the step's static `to` successors run (a
   * mocked map step produces no items; a mocked switch takes its `default` route). With `impl`,
   * the mock calls it with the step's arguments and returns what it returns: it may be sync,
   * async or an async generator whose `yield`s become `TOKEN` events. Mocking an already mocked
   * step replaces the earlier mock (which stops recording); `restore` still brings back the original.
   *
   * The implementation gets the step's argument types: the pipe's `State` and `Context`, and the
   * item type of a handler registered with one (`pipe.step<string>(...)`), of a name declared in
   * the pipe's step registry (its `Steps` type parameter), or given as `mock<Item>(name)`.
   *
   * @param step - the step's name, or the handler it was registered with.
   * @param impl - what the step does instead.
   * @throws StepNotFoundError when the pipe has no such step.
   *
   * @example
   * ```ts
   * const llm = tester.mock("callModel", async function* () { yield "Hello"; yield " world"; });
   * const save = tester.mock(saveResult);          // records calls, does nothing
   * ```
   */
  mock<H extends AnyHandler>(
    step: H,
    impl?: MockImplementation<State, Context, ItemOf<H>>,
  ): StepMock<State, Context, ItemOf<H>>;
  mock<Item = any, Name extends string = string>(
    step: Name,
    impl?: MockImplementation<State, Context, StepItem<Steps, Name, Item>>,
  ): StepMock<State, Context, StepItem<Steps, Name, Item>>;
  mock<Item = any>(
    step: Target,
    impl?: MockImplementation<State, Context, Item>,
  ): StepMock<State, Context, Item> {
    const name = this.#stepName(step);
    if (impl !== undefined && typeof impl !== "function") {
      throw new TypeError(
        `Expected the implementation of mock '${name}' to be a function, got ${shownValue(impl)}.`,
      );
    }
    if (impl?.constructor?.name === "GeneratorFunction") {
      throw new TypeError(
        `The implementation of mock '${name}' is a sync generator function (function*). Streaming steps are async generators: use \`async function*\`.`,
      );
    }
    const kind = this.pipe._definitions().find((d) => d.name === name)?.kind;
    const mock = new StepMock<State, Context, Item>(name, impl, kind === "map" ? EMPTY : undefined);
    const previous = this.pipe._replaceHandler(name, mock._handler);
    if (!this.#originals.has(name)) this.#originals.set(name, previous);
    return mock;
  }

  /**
   * Replaces every startup hook of the pipe with one recording mock until
   * {@link TestPipe.restore}, so a hook that opens real connections (a database, a browser) does not
   * run in tests. Without `impl` the mock does nothing; with it, the mock calls `impl` with the
   * hook's arguments (`state`, `ctx`, `runId`, `signal`, `meta`) and returns what it returns (a
   * throw fails the run as a startup failure, as the real hook would).
   *
   * @example
   * ```ts
   * const startup = tester.mockStartup(({ state }) => { state.user = { id: "u1" }; });
   * await tester.run(state);
   * startup.assertCalledOnce();
   * ```
   */
  mockStartup(impl?: MockImplementation<State, Context>): StepMock<State, Context> {
    return this.#mockHooks("startup", impl, undefined, `startup hooks of '${this.pipe.name}'`);
  }

  /**
   * Replaces every shutdown hook with one recording mock until {@link TestPipe.restore} (see
   * {@link TestPipe.mockStartup}). Shutdown hooks run before `FINISH` whatever the outcome, and so
   * does the mock.
   *
   * @example
   * ```ts
   * const shutdown = tester.mockShutdown();
   * await tester.run(state);
   * shutdown.assertCalledOnce();
   * ```
   */
  mockShutdown(impl?: MockImplementation<State, Context>): StepMock<State, Context> {
    return this.#mockHooks("shutdown", impl, undefined, `shutdown hooks of '${this.pipe.name}'`);
  }

  /**
   * Replaces the pipe's global error handlers (`pipe.onError`) with one recording mock until
   * {@link TestPipe.restore}. A call records `error`, `stepName` and `attempt`. Without `impl` the
   * mock returns `new Raise()`, so an unhandled error still fails the run as it would without
   * handlers; with `impl`, its return value decides recovery like a real handler's (nothing =
   * recovered, `Retry`, `Skip`, `Raise`, a jump...). Steps' own `onError` options are untouched.
   *
   * @example
   * ```ts
   * const onError = tester.mockOnError(() => new Skip());
   * const result = await tester.run(state);
   * onError.assertCalledWith({ stepName: "fetch" });
   * ```
   */
  mockOnError(impl?: MockImplementation<State, Context>): StepMock<State, Context> {
    return this.#mockHooks("onError", impl, new Raise(), `error handlers of '${this.pipe.name}'`);
  }

  #mockHooks(
    kind: HookKind,
    impl: MockImplementation<State, Context> | undefined,
    fallback: unknown,
    subject: string,
  ): StepMock<State, Context> {
    if (impl !== undefined && typeof impl !== "function") {
      throw new TypeError(
        `Expected the implementation of the ${subject} mock to be a function, got ${shownValue(impl)}.`,
      );
    }
    const mock = new StepMock<State, Context>(kind, impl, fallback, subject);
    // The frozen pipe shares these lists with its compiled form, so replacing their contents in
    // place takes effect before and after the first run alike.
    const list = this.pipe._hooks()[kind] as AnyHandler[];
    if (!this.#hookOriginals.has(kind)) this.#hookOriginals.set(kind, [...list]);
    list.splice(0, list.length, mock._handler);
    return mock;
  }

  /**
   * Runs the pipeline to completion and collects what it emitted. Failures of the run are not
   * thrown: they are in `result.status`, `result.errors` and `result.finish`. What the stream
   * itself throws (a `DefinitionError` for an invalid definition) is rethrown unchanged.
   *
   * @param state - the run's state; it is `result.finalState` after the run.
   * @param options - the options of `pipe.run()`, such as `context`, `start`, `timeout`, `signal`
   *   and `clock` (pass a {@link SimulatedClock} to control time).
   */
  async run(state: State, options: RunOptions<Context> = {}): Promise<TestResult<State>> {
    const events: PipeEvent<State>[] = [];
    // TestPipe keeps `context` optional: a test may mock every step that reads it.
    const runArguments = [options] as RunArguments<Context>;
    for await (const event of this.pipe.run(state, ...runArguments)) events.push(event);
    return new TestResult(events, state, (target) => this.#stageOf(target));
  }

  /** Puts every mocked step's original handler and every mocked hook back. Safe to call more than once. */
  restore(): void {
    for (const [name, original] of this.#originals) this.pipe._replaceHandler(name, original);
    this.#originals.clear();
    const hooks = this.pipe._hooks();
    for (const [kind, original] of this.#hookOriginals) {
      const list = hooks[kind] as AnyHandler[];
      list.splice(0, list.length, ...original);
    }
    this.#hookOriginals.clear();
  }

  /** Same as {@link TestPipe.restore}: lets `using tester = new TestPipe(pipe)` restore on exit. */
  [Symbol.dispose](): void {
    this.restore();
  }

  #stepName(step: Target): string {
    const names = this.pipe._definitions().map((d) => d.name);
    if (typeof step === "string") {
      if (names.includes(step)) return step;
      throw new StepNotFoundError(
        `Step '${step}' not found in pipe '${this.pipe.name}'. Available: ${names.join(", ") || "(none)"}.${didYouMean(step, names)}`,
      );
    }
    if (typeof step === "function") {
      const name = this.pipe._nameOf(step);
      if (name !== undefined) return name;
      throw new StepNotFoundError(
        `Function ${step.name || "(anonymous)"} is not a registered step of pipe '${this.pipe.name}'. Pass the handler returned by pipe.step(), or the step's name.`,
      );
    }
    throw new TypeError(
      `Expected \`step\` to be a step name or a registered handler, got ${shownValue(step)}.`,
    );
  }

  /**
   * Stages of result queries. A handler or a plain name must be a step of this pipe, so a typo
   * cannot make `wasCalled("fecth")` quietly false; forwarded stages ("sub:child") pass as is.
   */
  #stageOf(target: Target): string {
    return typeof target === "string" && target.includes(":") ? target : this.#stepName(target);
  }
}
