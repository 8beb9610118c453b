import { expect } from "vitest";
import {
  type Clock,
  EventType,
  type Pipe,
  type PipeEvent,
  type PipelineEndData,
  type SimulatedClock,
  type StepErrorPayload,
} from "../../src/index.js";
import { sleep } from "../../src/runtime/clock.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";

/** Resolves after `ms` on `clock`; rejects with the signal's reason when it aborts first. */
export const sleepOn: (clock: Clock, ms: number, signal?: AbortSignal) => Promise<void> = sleep;

/** Rejects with the signal's reason once it aborts (a step that honours its signal and nothing else). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** A promise that never settles (a step that ignores its signal). */
export function never(): Promise<void> {
  return new Promise<void>(() => {});
}

/** A few real event-loop turns (never more than a handful of ms). */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export interface Driven<S> {
  events: PipeEvent<S>[];
  finish: PipelineEndData;
}

/**
 * Collects a run while moving the simulated clock from timer to timer until the run ends.
 * Fails (instead of hanging) when the run has not ended after `maxTimers` timers or when no timer
 * is left and the run still waits on something.
 */
export async function drive<S>(
  clock: SimulatedClock,
  stream: AsyncIterable<PipeEvent<S>>,
  options: { maxTimers?: number; invariants?: boolean } = {},
): Promise<Driven<S>> {
  let done = false;
  let failure: unknown;
  const collected = collect(stream).then(
    (events) => {
      done = true;
      return events;
    },
    (error) => {
      done = true;
      failure = error;
      return [] as PipeEvent<S>[];
    },
  );
  const limit = options.maxTimers ?? 1_000;
  let fired = 0;
  let idle = 0;
  while (!done) {
    // Let work woken by the last timer settle before time moves again.
    await turns(2);
    if (done) break;
    if (await clock.advanceToNextTimer()) {
      idle = 0;
      if (++fired > limit) throw new Error(`the run did not end after ${limit} simulated timers`);
    } else {
      await turns(1);
      if (++idle > 20) throw new Error(`the run hangs: no timer pending at ${clock.now()} ms`);
    }
  }
  const events = await collected;
  if (failure !== undefined) throw failure;
  if (options.invariants !== false) assertRunInvariants(events);
  return { events, finish: finishOf(events) };
}

/** Collects a run that needs no clock, checking the run invariants. */
export async function runAll<S>(stream: AsyncIterable<PipeEvent<S>>): Promise<Driven<S>> {
  const events = await collect(stream);
  assertRunInvariants(events);
  return { events, finish: finishOf(events) };
}

/** The events of one type (and optionally one stage). */
export function ofType<T extends PipeEvent<unknown>["type"], S>(
  events: readonly PipeEvent<S>[],
  type: T,
  stage?: string,
): Extract<PipeEvent<S>, { type: T }>[] {
  return events.filter((e) => e.type === type && (stage === undefined || e.stage === stage)) as Extract<
    PipeEvent<S>,
    { type: T }
  >[];
}

/** Payloads of the STEP_ERROR events of a stage. */
export function stepErrors<S>(events: readonly PipeEvent<S>[], stage?: string): StepErrorPayload[] {
  return ofType(events, EventType.STEP_ERROR, stage).map((e) => e.payload);
}

/** The event that closed an invocation. */
export function closeOf<S>(events: readonly PipeEvent<S>[], invocationId: string): PipeEvent<S> {
  const close = events.find(
    (e) =>
      e.invocationId === invocationId &&
      (e.type === EventType.STEP_END || e.type === EventType.STEP_ERROR || e.type === EventType.CANCELLED),
  );
  if (close === undefined) throw new Error(`invocation ${invocationId} was never closed`);
  return close;
}

/** Asserts that no STEP_START comes after the event at `index`. */
export function expectNothingStartsAfter<S>(events: readonly PipeEvent<S>[], index: number): void {
  expect(index).toBeGreaterThanOrEqual(0);
  const late = events.slice(index + 1).filter((e) => e.type === EventType.STEP_START);
  expect(late.map((e) => e.stage)).toEqual([]);
}

/** Records unhandled promise rejections while `body` runs (and a few turns after). */
export async function withUnhandledRejections(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const previous = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  const listener = (reason: unknown) => {
    seen.push(reason);
  };
  process.on("unhandledRejection", listener);
  try {
    await body();
    await turns(5);
  } finally {
    process.removeListener("unhandledRejection", listener);
    for (const l of previous) process.on("unhandledRejection", l as (...args: unknown[]) => void);
  }
  return seen;
}

export interface Live<S> {
  /** Every event delivered so far. */
  readonly events: PipeEvent<S>[];
  /** Settles when the stream ends. */
  readonly done: Promise<PipeEvent<S>[]>;
  /** True once the stream ended. */
  ended(): boolean;
}

/** Consumes a run in the background, so a test can move the clock and look at what arrived so far. */
export function live<S>(stream: AsyncIterable<PipeEvent<S>>): Live<S> {
  const events: PipeEvent<S>[] = [];
  let ended = false;
  const done = (async () => {
    try {
      for await (const event of stream) events.push(event);
    } finally {
      ended = true;
    }
    return events;
  })();
  return { events, done, ended: () => ended };
}

/** Waits (a bounded number of real turns, no clock movement) for a promise; "hang" when it does not settle. */
export async function settlesWithoutTime<T>(promise: Promise<T>, maxTurns = 30): Promise<T | "hang"> {
  let settled = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  promise.then(
    (v) => {
      settled = true;
      value = v;
    },
    (e) => {
      settled = true;
      failed = true;
      error = e;
    },
  );
  for (let i = 0; i < maxTurns && !settled; i++) await turns(1);
  if (!settled) return "hang";
  if (failed) throw error;
  return value as T;
}

/**
 * Runs `pipe` with a cancellation signal, aborts it once `before` resolved, and returns the events
 * of a run that must then end `cancelled`, keep the stream invariants, and not wait for more time.
 */
export async function cancelMidRun<S>(
  pipe: Pipe<S, any>,
  state: S,
  before: () => Promise<void>,
): Promise<PipeEvent<S>[]> {
  const controller = new AbortController();
  const run = live(pipe.run(state, { signal: controller.signal }));
  await before();
  controller.abort();
  const events = await settlesWithoutTime(run.done);
  if (events === "hang") throw new Error("the run did not end after its signal aborted");
  assertRunInvariants(events);
  expect(finishOf(events).status).toBe("cancelled");
  return events;
}

/**
 * What the first `next()` of a stream rejects with (or "resolved"), and the unhandled rejections
 * seen meanwhile: for options that must be refused on the first iteration.
 */
export async function firstIterationError(
  stream: AsyncIterator<unknown>,
): Promise<{ outcome: unknown; rejections: unknown[] }> {
  let outcome: unknown;
  const rejections = await withUnhandledRejections(async () => {
    outcome = await settlesWithoutTime(
      stream.next().then(
        () => "resolved",
        (error: unknown) => error,
      ),
    );
  });
  return { outcome, rejections };
}
