import { isThenable } from "./guards.js";

/**
 * Generator steps closed before they finished (their `return()` still settling), so their
 * `finally` blocks can run before the shutdown hooks do.
 */
export class ClosingGenerators {
  #closing: Promise<unknown>[] | undefined = undefined;

  /** True when some closed generator may still be running its `finally` blocks. */
  get pending(): boolean {
    return this.#closing !== undefined;
  }

  /** Closes a generator step's iterator, remembering its `return()` when it is asynchronous. */
  close(iterator: AsyncIterator<unknown>): void {
    let closed: unknown;
    try {
      closed = iterator.return?.(undefined);
    } catch {
      return; // an iterator that fails to close has nothing left to give
    }
    if (isThenable(closed)) (this.#closing ??= []).push(Promise.resolve(closed).then(undefined, () => {}));
  }

  /**
   * Waits for closed generators to finish their `finally` blocks (a generator that honours its
   * signal does so within microtasks of the abort), but no longer than one macrotask turn: one
   * that ignores its signal cannot hold the run open.
   */
  async settled(): Promise<void> {
    const closing = this.#closing;
    if (closing === undefined) return;
    this.#closing = undefined;
    let handle: ReturnType<typeof setImmediate> | undefined;
    const turn = new Promise<void>((resolve) => {
      handle = setImmediate(resolve);
    });
    await Promise.race([Promise.all(closing), turn]);
    clearImmediate(handle);
  }
}
