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

/**
 * Delivers a run's events to its observers. Each observer sees every delivered event, in order;
 * an async `onEvent` is awaited per observer without holding up the consumer, until it lags
 * {@link OBSERVER_BUFFER} events behind: then delivery waits for it. Errors are reported once
 * per observer and never reach the run.
 */
export class ObserverFeed {
  readonly #observers: readonly Observer<any, any>[];
  readonly #info: ObserverInfo<any, any>;
  readonly #lanes: { backlog: PipeEvent[]; busy: boolean; drained: (() => void)[] }[];
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
    this.#lanes = observers.map(() => ({ backlog: [], busy: false, drained: [] }));
  }

  /** Hands an event to every observer; returns a promise only when delivery must wait. */
  deliver(event: PipeEvent): Promise<void> | undefined {
    let wait: Promise<void>[] | undefined;
    for (let i = 0; i < this.#observers.length; i++) {
      const observer = this.#observers[i]!;
      if (typeof observer.onEvent !== "function") continue;
      const lane = this.#lanes[i]!;
      if (lane.busy) {
        lane.backlog.push(event);
        if (lane.backlog.length >= OBSERVER_BUFFER) (wait ??= []).push(this.#whenDrained(i));
        continue;
      }
      this.#call(i, event);
    }
    return wait === undefined ? undefined : Promise.all(wait).then(() => undefined);
  }

  #call(index: number, event: PipeEvent): void {
    const observer = this.#observers[index]!;
    const lane = this.#lanes[index]!;
    let result: unknown;
    try {
      result = observer.onEvent!(event, this.#info);
    } catch (error) {
      reportObserverError(observer, "onEvent", error);
      return;
    }
    if (!isThenable(result)) return;
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

  #whenDrained(index: number): Promise<void> {
    return new Promise((resolve) => this.#lanes[index]!.drained.push(resolve));
  }

  /** Waits for every observer to finish its backlog. */
  async settle(): Promise<void> {
    await Promise.all(this.#lanes.map((lane, i) => (lane.busy ? this.#whenDrained(i) : undefined)));
  }

  /**
   * Calls `onPipelineStart` on each observer, in order, each for at most `observerTimeout`; stops
   * waiting when `signal` aborts (the run's timeout or cancellation).
   */
  async start(signal: AbortSignal): Promise<void> {
    for (const observer of this.#observers) {
      if (typeof observer.onPipelineStart !== "function") continue;
      try {
        const outcome = await bounded(observer.onPipelineStart(this.#info), this.#clock, this.#limit, signal);
        if (outcome === "aborted") return;
        if (outcome === "timeout") reportObserverTimeout(observer, "onPipelineStart", this.#limit);
      } catch (error) {
        reportObserverError(observer, "onPipelineStart", error);
      }
    }
  }

  /** After the last event: `onPipelineError` for failed runs, else `onPipelineEnd`. */
  async end(end: PipelineEndData): Promise<void> {
    await this.settle();
    const failed = end.status === "failed";
    const primary = failed ? (primaryFailure(end)?.cause ?? end.error) : undefined;
    for (const observer of this.#observers) {
      const method = failed ? "onPipelineError" : "onPipelineEnd";
      try {
        const result = failed
          ? observer.onPipelineError?.(primary, end, this.#info)
          : observer.onPipelineEnd?.(end, this.#info);
        if ((await bounded(result, this.#clock, this.#limit)) === "timeout") {
          reportObserverTimeout(observer, method, this.#limit);
        }
      } catch (error) {
        reportObserverError(observer, method, error);
      }
    }
  }
}
