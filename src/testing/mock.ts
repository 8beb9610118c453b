import { shownValue } from "../errors/messages.js";
import type { AnyHandler, StepArgs } from "../model/handler-types.js";
import { nodeUtil } from "../runtime/builtins.js";
import { deepEqual } from "./_equal.js";

/** The handler-argument fields a mock records for each call. */
const CALL_FIELDS = [
  "state",
  "ctx",
  "item",
  "error",
  "stepName",
  "attempt",
  "runId",
] as const satisfies readonly (keyof MockCall)[];

/**
 * What a mocked step received in one call: the fields of its {@link StepArgs}, except `signal`
 * and `meta`.
 *
 * `state`, `ctx` and `item` are kept by reference, as `vi.fn()` and `jest.fn()` keep arguments:
 * the run's state is shared and mutable, so reading `call.state` after the run shows its final
 * value. To check the state as a step saw it, read it in the mock's implementation.
 *
 * @example
 * ```ts
 * const worker = tester.mock<string>("fetchOne");
 * await tester.run({ urls: ["a", "b"] });
 * expect(worker.calls.map((call) => call.item)).toEqual(["a", "b"]);
 * ```
 */
export type MockCall<State = unknown, Context = unknown, Item = unknown> = Pick<
  StepArgs<State, Context, Item>,
  "state" | "ctx" | "item" | "error" | "stepName" | "attempt" | "runId"
>;

/**
 * A mock's stand-in for the step's handler. Like a handler, it may be sync, async or an async
 * generator (every `yield` becomes a `TOKEN`), and its return value decides what runs next.
 *
 * @example
 * ```ts
 * tester.mock("route", ({ state }) => (state.retry ? "fetch" : undefined)); // a jump
 * tester.mock("answer", async function* () { yield "Hel"; yield "lo"; });  // streaming
 * ```
 */
export type MockImplementation<State = unknown, Context = undefined, Item = any> = (
  args: StepArgs<State, Context, Item>,
) => unknown;

/**
 * Thrown by a failed mock assertion. Plain `Error` subclass, so vitest, jest and `node:test`
 * all report it as a failure; `actual` and `expected` are set for runners that show a diff.
 *
 * @example
 * ```ts
 * try {
 *   mock.assertCalledOnce();
 * } catch (error) {
 *   if (error instanceof MockAssertionError) console.log(error.step, error.expected, error.actual);
 * }
 * ```
 */
export class MockAssertionError extends Error {
  /** The mocked step. */
  readonly step: string;
  /** What the assertion expected (a call count, or the fields given to `assertCalledWith`). */
  readonly expected: unknown;
  /** What was observed (the call count, or the compared fields of every call). */
  readonly actual: unknown;

  /**
   * Creates the error (the mocks' assertions do this for you).
   *
   * @param step - the mocked step.
   * @param message - the failure, with the calls received.
   * @param expected - what the assertion expected.
   * @param actual - what was observed.
   */
  constructor(step: string, message: string, expected: unknown, actual: unknown) {
    super(message);
    this.name = "MockAssertionError";
    this.step = step;
    this.expected = expected;
    this.actual = actual;
  }
}

const show = (value: unknown) =>
  nodeUtil().inspect(value, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
const times = (n: number) => (n === 1 ? "1 time" : `${n} times`);

/**
 * A mocked step, returned by `tester.mock(step, impl?)`. Records every call (every attempt of
 * every invocation, map workers included) and offers assertions that throw a readable
 * {@link MockAssertionError}.
 *
 * @example
 * ```ts
 * const fetchMock = tester.mock("fetch", async ({ state }) => { state.page = "<html>"; });
 * await tester.run({ url: "https://example.com" });
 * fetchMock.assertCalledOnce();
 * fetchMock.assertCalledWith({ attempt: 1 });
 * ```
 */
export class StepMock<State = unknown, Context = undefined, Item = any> {
  /** The name of the mocked step. */
  readonly step: string;
  readonly #calls: MockCall<State, Context, Item>[] = [];
  readonly #implementation: MockImplementation<State, Context, Item> | undefined;
  readonly #fallback: unknown;

  /** What the mock stands in for, in messages: `step 'fetch'`, `startup hooks of 'rag'`. */
  readonly #subject: string;

  /** @internal Created by `TestPipe.mock`, `mockStartup`, `mockShutdown` and `mockOnError`. */
  constructor(
    step: string,
    implementation: MockImplementation<State, Context, Item> | undefined,
    fallback: unknown,
    subject = `step '${step}'`,
  ) {
    this.step = step;
    this.#implementation = implementation;
    this.#fallback = fallback;
    this.#subject = subject;
  }

  /** Every call received, oldest first. */
  get calls(): readonly MockCall<State, Context, Item>[] {
    return this.#calls;
  }

  /** Number of calls received. */
  get callCount(): number {
    return this.#calls.length;
  }

  /** The most recent call, if any. */
  get lastCall(): MockCall<State, Context, Item> | undefined {
    return this.#calls.at(-1);
  }

  /** Forgets the calls recorded so far (for example between two runs). */
  clear(): void {
    this.#calls.length = 0;
  }

  /** Throws unless the step was called at least once. */
  assertCalled(): void {
    if (this.#calls.length > 0) return;
    this.#fail("to be called, but it was never called.", "at least 1 call", 0);
  }

  /** Throws unless the step was called exactly once. */
  assertCalledOnce(): void {
    this.assertCalledTimes(1);
  }

  /** Throws unless the step was called exactly `count` times. */
  assertCalledTimes(count: number): void {
    if (!Number.isInteger(count) || count < 0) {
      throw new TypeError(`Expected \`count\` to be an integer >= 0, got ${shownValue(count)}.`);
    }
    const actual = this.#calls.length;
    if (actual === count) return;
    const expectation = count === 1 ? "once" : times(count);
    this.#fail(`to be called ${expectation}, but it was called ${times(actual)}.`, count, actual);
  }

  /** Throws if the step was called. */
  assertNotCalled(): void {
    if (this.#calls.length === 0) return;
    this.#fail(`not to be called, but it was called ${times(this.#calls.length)}.`, 0, this.#calls.length);
  }

  /**
   * Throws unless some call matches every given field by deep equality. Fields left out are not
   * compared; values may be asymmetric matchers such as `expect.objectContaining(...)`.
   *
   * @example
   * ```ts
   * workerMock.assertCalledWith({ item: 3 });
   * fetchMock.assertCalledWith({ attempt: 2, ctx: { userId: "u1" } });
   * ```
   */
  assertCalledWith(expected: Partial<MockCall<State, Context, Item>>): void {
    if (typeof expected !== "object" || expected === null) {
      throw new TypeError(
        `Expected the argument of assertCalledWith to be an object of call fields (${CALL_FIELDS.join(", ")}), got ${shownValue(expected)}.`,
      );
    }
    const keys = Object.keys(expected) as (keyof MockCall)[];
    const unknown = keys.filter((key) => !(CALL_FIELDS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      throw new TypeError(
        `assertCalledWith got unknown field(s) ${unknown.map((k) => `'${k}'`).join(", ")}; a call has ${CALL_FIELDS.join(", ")}. To match the state, pass { state: ... }.`,
      );
    }
    const pick = (call: MockCall<State, Context, Item>) =>
      Object.fromEntries(keys.map((key) => [key, call[key]])) as Partial<MockCall<State, Context, Item>>;
    if (this.#calls.some((call) => keys.every((key) => deepEqual(call[key], expected[key])))) return;
    const compared = this.#calls.map(pick);
    const detail =
      compared.length === 0
        ? "but it was never called."
        : `but no call matched. Calls (compared fields only):\n${compared.map((c, i) => `  ${i + 1}. ${show(c)}`).join("\n")}`;
    throw new MockAssertionError(
      this.step,
      `Expected ${this.#subject} to be called with ${show(expected)}, ${detail}`,
      expected,
      compared,
    );
  }

  /** @internal The function installed in the pipe in place of the step's handler. */
  readonly _handler: AnyHandler = (args: StepArgs<State, Context, Item>) => {
    this.#calls.push({
      state: args.state,
      ctx: args.ctx,
      item: args.item,
      error: args.error,
      stepName: args.stepName,
      attempt: args.attempt,
      runId: args.runId,
    });
    return this.#implementation === undefined ? this.#fallback : this.#implementation(args);
  };

  #fail(expectation: string, expected: unknown, actual: unknown): never {
    const list = this.#calls.map((call, i) => `  ${i + 1}. ${show(summary(call))}`).join("\n");
    throw new MockAssertionError(
      this.step,
      `Expected ${this.#subject} ${expectation}${list === "" ? "" : `\nCalls:\n${list}`}`,
      expected,
      actual,
    );
  }
}

/** The fields worth printing in a call list (the state is often large). */
function summary(call: MockCall<unknown, unknown, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { attempt: call.attempt };
  if (call.item !== undefined) out.item = call.item;
  if (call.error !== undefined) out.error = call.error;
  if (call.ctx !== undefined) out.ctx = call.ctx;
  return out;
}
