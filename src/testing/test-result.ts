import type { PipelineEndData, PipelineTerminalStatus } from "../events/outcome.js";
import { type EventOf, EventType, type PipeEvent } from "../events/types.js";
import type { Target } from "../model/handler-types.js";

/**
 * A `STEP_ERROR`, flattened: its payload with the step and invocation it belongs to.
 *
 * @example
 * ```ts
 * expect(result.errors.map((e) => [e.stage, e.retrying])).toEqual([["fetch", true], ["fetch", false]]);
 * ```
 */
export interface StepErrorRecord {
  /** The event's stage: the step name (`"<sub>:<child>"` when forwarded from a sub-pipeline). */
  readonly stage: string;
  /** The error's message. */
  readonly message: string;
  /** The thrown value. */
  readonly error: unknown;
  /** True when the step will be retried. */
  readonly retrying: boolean;
  /** The failed invocation. */
  readonly invocationId: string | null;
  /** The failed attempt. */
  readonly attempt: number;
}

/**
 * One invocation of a step as the event stream tells it: from its `STEP_START` to the
 * `STEP_END`, `STEP_ERROR` or `CANCELLED` that closed it. Each retry attempt is its own call.
 *
 * @example
 * ```ts
 * const [first, second] = result.stepCalls("fetch");
 * expect(first).toMatchObject({ attempt: 1, outcome: "error" });
 * expect(second).toMatchObject({ attempt: 2, outcome: "success", tokens: [] });
 * ```
 */
export interface StepCall {
  /** The invocation's id (`"<runId>:<n>"`). */
  readonly invocationId: string;
  /** 1 for a first attempt, 2, 3... for retries. */
  readonly attempt: number;
  /** `["worker[3]"]` for a map worker, `[]` for a plain step. */
  readonly scope: readonly string[];
  /** How it ended; `"open"` if no terminal event was delivered. */
  readonly outcome: "success" | "error" | "cancelled" | "open";
  /** The thrown value, when `outcome` is `"error"`. */
  readonly error: unknown;
  /** The tokens it yielded, in order. */
  readonly tokens: readonly unknown[];
  /** Time from its start to its end (by the run's clock), when it ended. */
  readonly durationMs: number | undefined;
}

/** What a {@link TestResult} needs to turn a handler target into a step name. */
export type StepNameResolver = (target: Target) => string;

const TERMINAL: Record<string, StepCall["outcome"] | undefined> = {
  [EventType.STEP_END]: "success",
  [EventType.STEP_ERROR]: "error",
  [EventType.CANCELLED]: "cancelled",
};

/**
 * Everything a finished test run produced, with helpers for the usual assertions. Returned by
 * `TestPipe.run`.
 *
 * Steps are given by name or by registered handler; an unknown name throws `StepNotFoundError`
 * (so a typo cannot make `wasCalled` quietly false). Events forwarded from a sub-pipeline have
 * the stage `"<sub step>:<child step>"`; pass that string to query them.
 *
 * @example
 * ```ts
 * const result = await tester.run({ message: "" });
 * expect(result.status).toBe("success");
 * expect(result.tokens).toEqual(["Hello, World!"]);
 * expect(result.wasCalled(greet)).toBe(true);
 * expect(result.stepCalls("respond")).toHaveLength(1);
 * ```
 */
export class TestResult<State = unknown> {
  /** Every event of the run, in delivery order (the last one is `FINISH`). */
  readonly events: readonly PipeEvent<State>[];
  /** The run's state after the run (the object passed to `run`, mutated by the steps). */
  readonly finalState: State;
  /** The payload of the run's `FINISH` event. */
  readonly finish: PipelineEndData;
  readonly #resolve: StepNameResolver;

  /** @internal Created by `TestPipe.run`. */
  constructor(events: readonly PipeEvent<State>[], finalState: State, resolve: StepNameResolver) {
    const finish = events.findLast((e) => e.type === EventType.FINISH && e.parentRunId === null);
    if (finish === undefined || finish.type !== EventType.FINISH) {
      throw new Error(
        `The run delivered ${events.length} events but no FINISH event. This is a justpipe bug: please report it with the pipeline.`,
      );
    }
    this.events = events;
    this.finalState = finalState;
    this.finish = finish.payload;
    this.#resolve = resolve;
  }

  /** How the run ended (`finish.status`). */
  get status(): PipelineTerminalStatus {
    return this.finish.status;
  }

  /** Every `TOKEN` payload, in order, from every step (sub-pipelines included). */
  get tokens(): unknown[] {
    return this.eventsOf(EventType.TOKEN).map((e) => e.payload);
  }

  /** Every `STEP_ERROR`, in order (retried attempts included: see `retrying`). */
  get errors(): StepErrorRecord[] {
    return this.eventsOf(EventType.STEP_ERROR).map((e) => ({
      stage: e.stage,
      message: e.payload.message,
      error: e.payload.error,
      retrying: e.payload.retrying,
      invocationId: e.invocationId,
      attempt: e.attempt,
    }));
  }

  /** The stage of every `STEP_START`, in order: which steps started, and how often. */
  get startedSteps(): string[] {
    return this.eventsOf(EventType.STEP_START).map((e) => e.stage);
  }

  /**
   * The events of one type, typed by it.
   *
   * @example
   * ```ts
   * const [suspend] = result.eventsOf(EventType.SUSPEND);
   * expect(suspend?.payload.reason).toBe("needs approval");
   * ```
   */
  eventsOf<T extends EventType>(type: T): EventOf<T, State>[] {
    return this.events.filter((e): e is EventOf<T, State> => e.type === type);
  }

  /** The tokens yielded by one step, in order. */
  tokensOf(step: Target): unknown[] {
    const stage = this.#resolve(step);
    return this.eventsOf(EventType.TOKEN)
      .filter((e) => e.stage === stage)
      .map((e) => e.payload);
  }

  /** True if the step started at least once. */
  wasCalled(step: Target): boolean {
    const stage = this.#resolve(step);
    return this.events.some((e) => e.type === EventType.STEP_START && e.stage === stage);
  }

  /**
   * Every invocation of the step, in start order: one per `STEP_START` (each retry attempt and
   * each map worker is its own call). `stepCalls(step).length` is how often it ran.
   */
  stepCalls(step: Target): StepCall[] {
    const stage = this.#resolve(step);
    const calls = new Map<string, { start: PipeEvent<State>; end?: PipeEvent<State>; tokens: unknown[] }>();
    for (const event of this.events) {
      const id = event.invocationId;
      if (id === null) continue;
      if (event.type === EventType.STEP_START) {
        if (event.stage === stage) calls.set(id, { start: event, tokens: [] });
        continue;
      }
      const call = calls.get(id);
      if (call === undefined) continue;
      if (event.type === EventType.TOKEN) call.tokens.push(event.payload);
      else if (TERMINAL[event.type] !== undefined && call.end === undefined) call.end = event;
    }
    return [...calls.entries()].map(([invocationId, { start, end, tokens }]) => ({
      invocationId,
      attempt: start.attempt,
      scope: start.scope,
      outcome: end === undefined ? "open" : TERMINAL[end.type]!,
      error: end?.type === EventType.STEP_ERROR ? end.payload.error : undefined,
      tokens,
      durationMs: end === undefined ? undefined : end.timestamp - start.timestamp,
    }));
  }
}
