/**
 * The child runs of a run's sub-pipeline steps whose events are still being forwarded. When the
 * parent's steps are over (or it was stopped), the ones left are closed (`return()`) before the
 * parent's shutdown hooks run, so a child never outlives its parent.
 */
export class ChildRuns {
  readonly #streams = new Set<AsyncGenerator<unknown>>();

  /** How many child runs are still being forwarded. */
  get size(): number {
    return this.#streams.size;
  }

  /** A sub step started a child run. */
  add(stream: AsyncGenerator<unknown>): void {
    this.#streams.add(stream);
  }

  /** A child run's stream ended (or failed). */
  delete(stream: AsyncGenerator<unknown>): void {
    this.#streams.delete(stream);
  }

  /** Closes every child run still open and waits for each to wind down (failures ignored). */
  async closeAll(): Promise<void> {
    if (this.#streams.size === 0) return;
    await Promise.allSettled([...this.#streams].map((stream) => stream.return(undefined)));
  }
}
