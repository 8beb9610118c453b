import { messageOf, primaryFailure } from "../events/failure.js";
import type { PipelineEndData } from "../events/outcome.js";
import type { PipeEvent } from "../events/types.js";
import type { Clock } from "../model/clock.js";
import type { Observer, ObserverInfo } from "../model/observer.js";
import { bounded } from "./bounded.js";
import { isThenable } from "./guards.js";

/** How many events an async observer may lag behind before delivery waits for it. */
export const OBSERVER_BUFFER = 1000;

const reported = new WeakSet<object>();

/** Reports an observer's error once per observer, as a process warning. */
function reportObserverError(observer: object, method: string, error: unknown): void {
  if (reported.has(observer)) return;
  reported.add(observer);
  process.emitWarning(
    `Observer ${observer.constructor?.name ?? "object"}.${method} threw: ${messageOf(error)}. The run goes on; further errors of this observer are not reported.`,
    { type: "JustpipeObserverWarning" },
  );
}

const timedOut = new WeakMap<object, Set<string>>();

/** Reports once per observer and method that a call did not settle within `observerTimeout`. */
function reportObserverTimeout(observer: object, method: string, limit: number): void {
  let methods = timedOut.get(observer);
  if (methods === undefined) timedOut.set(observer, (methods = new Set()));
  if (methods.has(method)) return;
  methods.add(method);
  process.emitWarning(
    `Observer ${observer.constructor?.name ?? "object"}.${method} did not settle within ${limit} ms; the run goes on without waiting for it. Make it finish sooner, or raise the Pipe's observerTimeout.`,
    { type: "JustpipeObserverWarning" },
  );
}

/** An observer's delivery lane, made once its `onEvent` first returns a promise. */
interface Lane {
  backlog: PipeEvent[];
  busy: boolean;
  drained: (() => void)[];
}

/**
 * Delivers a run's events to its observers. Each observer sees every delivered event, in order;
 * an async `onEvent` is awaited per observer without holding up the consumer, until it lags
 * {@link OBSERVER_BUFFER} events behind: then delivery waits for it. Errors are reported once
 * per observer and never reach the run.
 *
 * Synchronous observers cost no detour: each call's result is looked at, and only a promise is
 * awaited (bounded by `observerTimeout`). So `start` and `end` return `undefined` when no observer
 * returned a promise, and the run goes on in the same turn; a lane (backlog) is made only for an
 * observer whose `onEvent` returned one.
 */
export class ObserverFeed {
  readonly #observers: readonly Observer<any, any>[];
  readonly #info: ObserverInfo<any, any>;
  /** By observer index, made on first use (an `onEvent` that returned a promise). */
  #lanes: (Lane | undefined)[] | undefined = undefined;
  readonly #clock: Clock;
  /** Bound of each call, in ms (`observerTimeout`). */
  readonly #limit: number;

  constructor(
    observers: readonly Observer<any, any>[],
    info: ObserverInfo<any, any>,
    clock: Clock,
    limit: number,
  ) {
    this.#observers = observers;
    this.#info = info;
    this.#clock = clock;
    this.#limit = limit;
  }

  /** Hands an event to every observer; returns a promise only when delivery must wait. */
  deliver(event: PipeEvent): Promise<void> | undefined {
    let wait: Promise<void>[] | undefined;
    const lanes = this.#lanes;
    for (let i = 0; i < this.#observers.length; i++) {
      const observer = this.#observers[i]!;
      if (typeof observer.onEvent !== "function") continue;
      const lane = lanes?.[i];
      if (lane?.busy) {
        lane.backlog.push(event);
        if (lane.backlog.length >= OBSERVER_BUFFER) (wait ??= []).push(this.#whenDrained(lane));
        continue;
      }
      this.#call(i, event);
    }
    return wait === undefined ? undefined : Promise.all(wait).then(() => undefined);
  }

  #call(index: number, event: PipeEvent): void {
    const observer = this.#observers[index]!;
    let result: unknown;
    try {
      result = observer.onEvent!(event, this.#info);
    } catch (error) {
      reportObserverError(observer, "onEvent", error);
      return;
    }
    if (!isThenable(result)) return;
    const lane = ((this.#lanes ??= [])[index] ??= { backlog: [], busy: false, drained: [] });
    lane.busy = true;
    const next = () => {
      const queued = lane.backlog.shift();
      if (queued === undefined) {
        lane.busy = false;
        for (const release of lane.drained.splice(0)) release();
        return;
      }
      lane.busy = false;
      this.#call(index, queued);
      if (!lane.busy) next();
    };
    bounded(result, this.#clock, this.#limit).then(
      (outcome) => {
        if (outcome === "timeout") reportObserverTimeout(observer, "onEvent", this.#limit);
        next();
      },
      (error: unknown) => {
        reportObserverError(observer, "onEvent", error);
        next();
      },
    );
  }

  #whenDrained(lane: Lane): Promise<void> {
    return new Promise((resolve) => lane.drained.push(resolve));
  }

  /** Waits for every observer to finish its backlog (`undefined`: none has one). */
  settle(): Promise<void> | undefined {
    const busy: Lane[] = [];
    for (const lane of this.#lanes ?? []) if (lane?.busy) busy.push(lane);
    if (busy.length === 0) return undefined;
    return Promise.all(busy.map((lane) => this.#whenDrained(lane))).then(() => undefined);
  }

  /**
   * Calls `onPipelineStart` on each observer, in order; one that returns a promise is awaited for
   * at most `observerTimeout`, and no longer than `run.signal` stays unaborted (the run's timeout
   * or cancellation; the signal is asked for only then). Returns `undefined` when no observer
   * returned a promise.
   */
  start(run: { readonly signal: AbortSignal }): Promise<void> | undefined {
    return this.#startFrom(0, run);
  }

  #startFrom(first: number, run: { readonly signal: AbortSignal }): Promise<void> | undefined {
    for (let i = first; i < this.#observers.length; i++) {
      const observer = this.#observers[i]!;
      if (typeof observer.onPipelineStart !== "function") continue;
      let result: unknown;
      try {
        result = observer.onPipelineStart(this.#info);
      } catch (error) {
        reportObserverError(observer, "onPipelineStart", error);
        continue;
      }
      if (isThenable(result)) return this.#awaitStart(i, result, run);
    }
    return undefined;
  }

  async #awaitStart(index: number, result: unknown, run: { readonly signal: AbortSignal }): Promise<void> {
    const observer = this.#observers[index]!;
    try {
      const outcome = await bounded(result, this.#clock, this.#limit, run.signal);
      if (outcome === "aborted") return;
      if (outcome === "timeout") reportObserverTimeout(observer, "onPipelineStart", this.#limit);
    } catch (error) {
      reportObserverError(observer, "onPipelineStart", error);
    }
    await this.#startFrom(index + 1, run);
  }

  /**
   * After the last event (and every observer's backlog): `onPipelineError` for failed runs, else
   * `onPipelineEnd`, in order, each bounded like `start`. Returns `undefined` when nothing had to
   * be awaited.
   */
  end(end: PipelineEndData): Promise<void> | undefined {
    const backlog = this.settle();
    if (backlog !== undefined) return backlog.then(() => this.#endFrom(0, end));
    return this.#endFrom(0, end);
  }

  #endFrom(first: number, end: PipelineEndData): Promise<void> | undefined {
    const failed = end.status === "failed";
    for (let i = first; i < this.#observers.length; i++) {
      const observer = this.#observers[i]!;
      let result: unknown;
      try {
        result = failed
          ? observer.onPipelineError?.(primaryFailure(end)?.cause ?? end.error, end, this.#info)
          : observer.onPipelineEnd?.(end, this.#info);
      } catch (error) {
        reportObserverError(observer, failed ? "onPipelineError" : "onPipelineEnd", error);
        continue;
      }
      if (isThenable(result)) return this.#awaitEnd(i, result, end);
    }
    return undefined;
  }

  async #awaitEnd(index: number, result: unknown, end: PipelineEndData): Promise<void> {
    const observer = this.#observers[index]!;
    const method = end.status === "failed" ? "onPipelineError" : "onPipelineEnd";
    try {
      if ((await bounded(result, this.#clock, this.#limit)) === "timeout") {
        reportObserverTimeout(observer, method, this.#limit);
      }
    } catch (error) {
      reportObserverError(observer, method, error);
    }
    await this.#endFrom(index + 1, end);
  }
}
