/** What closing a child run needs: its stream, or the handle of a child run inline. */
export interface ClosableRun {
  return(value?: undefined): Promise<unknown>;
}

const RESOLVED = Promise.resolve();

/**
 * A child run started inside its parent (see `ChildOutlet`): no stream, its events are forwarded
 * as they are emitted. `return()` closes it like a consumer leaving its stream would.
 */
export class InlineChildRun implements ClosableRun {
  /** Settles once the child's lifecycle is over (shutdown hooks included). */
  readonly settled: Promise<void>;
  readonly #run: { closeByClient(): void };

  constructor(run: { execute(): Promise<void>; closeByClient(): void }) {
    this.#run = run;
    // Started on a fresh microtask, not on the parent step's stack: a chain of nested children
    // would otherwise start on one stack, a few frames per level, until it overflows.
    this.settled = RESOLVED.then(() => run.execute());
  }

  return(): Promise<void> {
    this.#run.closeByClient();
    return this.settled;
  }
}

/**
 * The child runs of a run's sub-pipeline steps whose events are still being forwarded. When the
 * parent's steps are over (or it was stopped), the ones left are closed (`return()`) before the
 * parent's shutdown hooks run, so a child never outlives its parent.
 */
export class ChildRuns {
  readonly #streams = new Set<ClosableRun>();

  /** How many child runs are still being forwarded. */
  get size(): number {
    return this.#streams.size;
  }

  /** A sub step started a child run. */
  add(stream: ClosableRun): void {
    this.#streams.add(stream);
  }

  /** A child run's stream ended (or failed). */
  delete(stream: ClosableRun): void {
    this.#streams.delete(stream);
  }

  /** Closes every child run still open and waits for each to wind down (failures ignored). */
  async closeAll(): Promise<void> {
    if (this.#streams.size === 0) return;
    await Promise.allSettled([...this.#streams].map((stream) => stream.return(undefined)));
  }
}
