import { expectedMessage } from "../errors/messages.js";
import type { PipeEvent } from "../events/types.js";
import { isDuration, OPTION_KEYS, unknownOptionMessage } from "../model/option-checks.js";
import type { RunOptions } from "../model/options.js";
import type { CompilablePipe } from "./compiled-pipe.js";
import { logDebug } from "./debug-log.js";
import type { DurableRun } from "./persistence.js";
import { Scheduler } from "./scheduler.js";

function invalid(option: string, what: string, value: unknown): TypeError {
  return new TypeError(`run(): ${expectedMessage(option, what, value)}`);
}

/** Validates `run()` options (thrown from the first `next()`, like definition errors). */
function checkRunOptions(options: RunOptions<unknown>): void {
  if (options === null || typeof options !== "object") throw invalid("options", "an object", options);
  const unknown = unknownOptionMessage(options, OPTION_KEYS.run, "run()");
  if (unknown !== undefined) throw new TypeError(`run(): ${unknown}`);
  const { timeout, queueSize, signal, clock, executor, stateConflict } = options;
  if (timeout !== undefined && !isDuration(timeout)) {
    throw invalid("timeout", "a number of milliseconds > 0", timeout);
  }
  if (queueSize !== undefined && (!Number.isInteger(queueSize) || queueSize < 0)) {
    throw invalid("queueSize", "an integer >= 0 (0 = unbounded)", queueSize);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid("signal", "an AbortSignal (from an AbortController or AbortSignal.timeout())", signal);
  }
  if (clock !== undefined && (typeof clock?.now !== "function" || typeof clock.setTimeout !== "function")) {
    throw invalid("clock", "a Clock ({ now, setTimeout, clearTimeout })", clock);
  }
  if (executor !== undefined && typeof (executor as { execute?: unknown } | null)?.execute !== "function") {
    throw invalid(
      "executor",
      "a StepExecutor ({ name, execute(task, signal) }), such as isolatedExecutor()",
      executor,
    );
  }
  if (stateConflict !== undefined && stateConflict !== "error" && stateConflict !== "last-writer-wins") {
    throw invalid("stateConflict", '"error" or "last-writer-wins"', stateConflict);
  }
}

/** The options of `run(state)`: nothing to check. */
export const NO_OPTIONS: RunOptions<any> = Object.freeze({});

const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });
const RESOLVED = Promise.resolve();
const toDone = (): IteratorReturnResult<void> => DONE;

/**
 * The stream behind `pipe.run()`: an `AsyncGenerator` written by hand so a waiting consumer is
 * handed each event directly (no generator frame, one promise per event).
 *
 * Validation and the freeze happen on the first `next()`. Leaving the loop early (`return()`)
 * closes the run: in-flight steps are aborted, shutdown hooks run before `return()` settles, and
 * nothing more is delivered.
 */
export class RunStream implements AsyncGenerator<PipeEvent, void, undefined> {
  readonly #pipe: CompilablePipe;
  readonly #state: unknown;
  readonly #options: RunOptions<unknown>;
  #run: Scheduler | undefined;
  #execution: Promise<void> | undefined;
  #finished = false;
  /** The consumer's pending `next()`, while it waits for an event. */
  #waiting:
    | ((result: IteratorResult<PipeEvent, void> | Promise<IteratorResult<PipeEvent, void>>) => void)
    | undefined;
  /** A `next()` result still settling: an overlapping `next()` queues behind it. */
  #pending: Promise<IteratorResult<PipeEvent, void>> | undefined;
  #closing: Promise<IteratorResult<PipeEvent, void>> | undefined;
  #settled: Promise<IteratorResult<PipeEvent, void>> | undefined;
  /**
   * Called by the queue, inside the producer's `push`, when an event arrives (or the queue closes)
   * while the consumer waits. The event is handed over one microtask later: a producer that pushes
   * several events in a row is drained in one go, and observers never run inside its stack.
   * (`RESOLVED.then` rather than `queueMicrotask`, which costs an `AsyncResource` per call in Node.)
   */
  readonly #wake = () => {
    RESOLVED.then(this.#deliver);
  };
  readonly #deliver = () => {
    const resolve = this.#waiting;
    if (resolve === undefined) return; // the consumer left (return()) before the wake-up ran
    this.#waiting = undefined;
    const result = this.#pull();
    this.#pending = result instanceof Promise ? result : undefined;
    resolve(result);
  };
  /** Parks the consumer's `next()` until the queue wakes it (one function for every wait). */
  readonly #park = (
    resolve: (result: IteratorResult<PipeEvent, void> | Promise<IteratorResult<PipeEvent, void>>) => void,
  ) => {
    this.#waiting = resolve;
    this.#run!.queue.onNext(this.#wake);
  };

  readonly #durable: DurableRun | undefined;

  constructor(pipe: CompilablePipe, state: unknown, options: RunOptions<unknown>, durable?: DurableRun) {
    this.#pipe = pipe;
    this.#state = state;
    this.#options = options;
    this.#durable = durable;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<PipeEvent, void>> {
    if (this.#finished) return this.#settled ?? Promise.resolve(DONE);
    if (this.#pending !== undefined) {
      const after = () => this.next();
      return this.#pending.then(after, after);
    }
    if (this.#run === undefined) {
      try {
        if (this.#options !== NO_OPTIONS) checkRunOptions(this.#options);
        const compiled = this.#pipe._compile(this.#options.start);
        this.#run = new Scheduler(compiled, this.#state, this.#options, this.#durable);
      } catch (error) {
        this.#finished = true;
        return Promise.reject(error);
      }
      this.#execution = this.#run.execute();
    }
    const result = this.#pull();
    if (!(result instanceof Promise)) return Promise.resolve(result);
    this.#pending = result;
    return result;
  }

  /** Takes the next event now, or arranges to be woken when one arrives. */
  #pull(): IteratorResult<PipeEvent, void> | Promise<IteratorResult<PipeEvent, void>> {
    const run = this.#run!;
    const queue = run.queue;
    const event = queue.shift() as PipeEvent | undefined;
    if (event !== undefined) {
      if (run.compiled.debug) logDebug(run.compiled.name, event);
      const feed = run.observers;
      if (feed !== undefined) {
        const wait = feed.deliver(event);
        if (wait !== undefined) {
          return wait.then(() => {
            this.#pending = undefined;
            return { done: false, value: event };
          });
        }
      }
      return { done: false, value: event };
    }
    if (queue.closed) return this.#complete();
    return new Promise(this.#park);
  }

  /** The run is over: wait for it and tell the observers, once. */
  #complete(): Promise<IteratorResult<PipeEvent, void>> {
    this.#finished = true;
    this.#settled ??= this.#settle();
    return this.#settled;
  }

  #settle(): Promise<IteratorResult<PipeEvent, void>> {
    const run = this.#run!;
    const execution = this.#execution!;
    if (run.observers === undefined) return execution.then(toDone);
    return execution.then(() => {
      const told =
        run.observers !== undefined && run.end !== undefined ? run.observers.end(run.end) : undefined;
      return told === undefined ? DONE : told.then(toDone);
    });
  }

  return(): Promise<IteratorResult<PipeEvent, void>> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<IteratorResult<PipeEvent, void>> {
    const run = this.#run;
    if (this.#finished || run === undefined) {
      this.#finished = true;
      if (this.#pending !== undefined) await this.#pending.catch(() => {});
      return DONE;
    }
    run.closeByClient();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    const done = this.#complete();
    waiting?.(done);
    return done;
  }

  async throw(error: unknown): Promise<IteratorResult<PipeEvent, void>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.return().then(() => undefined);
  }
}

/** Starts a run stream (see {@link RunStream}). */
export function runPipe(
  pipe: CompilablePipe,
  state: unknown,
  options: RunOptions<unknown>,
  durable?: DurableRun,
): AsyncGenerator<PipeEvent, void, undefined> {
  return new RunStream(pipe, state, options, durable);
}
