import type { PipelineEndData } from "../events/outcome.js";
import type { PipeEvent } from "../events/types.js";

/**
 * An observer of runs (see `pipe.addObserver`): sees every event of every run of the pipe, in
 * order, then how the run ended. An observer's errors never reach the run: the first one is
 * reported as a process warning (`JustpipeObserverWarning`). An async `onEvent` is awaited before
 * that observer's next call, without holding up the consumer until it lags 1000 events behind.
 *
 * @example
 * ```ts
 * pipe.addObserver({
 *   onEvent: (event, { runId }) => log.debug({ runId, type: event.type, stage: event.stage }),
 *   onPipelineError: (error, end) => alert(`${end.failedStep} failed: ${end.error}`),
 * });
 * ```
 */
export interface Observer<State = unknown, Context = unknown> {
  /** Before the startup hooks. */
  onPipelineStart?(info: ObserverInfo<State, Context>): unknown;
  /** For every delivered event. */
  onEvent?(event: PipeEvent<State>, info: ObserverInfo<State, Context>): unknown;
  /** After `FINISH` (or a client close) when the run did not fail. */
  onPipelineEnd?(end: PipelineEndData, info: ObserverInfo<State, Context>): unknown;
  /**
   * After `FINISH` when the run failed (status `failed`); `error` is the primary failure's thrown
   * value (or its message when the value is not known).
   */
  onPipelineError?(error: unknown, end: PipelineEndData, info: ObserverInfo<State, Context>): unknown;
}

/** What observers are told about the run. */
export interface ObserverInfo<State = unknown, Context = unknown> {
  /** The name of the pipe being run. */
  readonly pipeName: string;
  /** The id of the run (the `runId` of its events). */
  readonly runId: string;
  /** The run's state (by reference: it changes as the steps run). */
  readonly state: State;
  /** The run's context. */
  readonly ctx: Context;
}

/**
 * Rewrites or enriches an event before delivery (see `pipe.addEventHook`). It must be synchronous
 * and return an event; a hook that throws or returns anything else is skipped for that event and
 * fails the run with an `infra` failure.
 *
 * @example
 * ```ts
 * pipe.addEventHook((event) => ({ ...event, meta: { ...event.meta, tenant: "acme" } }));
 * ```
 */
export type EventHook = (event: PipeEvent<any>) => PipeEvent<any>;
