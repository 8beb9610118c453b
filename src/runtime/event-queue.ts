/**
 * The run's outbox: events wait here until the consumer takes them. Pushing never blocks (the
 * runtime's own events must not deadlock a run); producers of bulk events (tokens, map items,
 * forwarded sub-pipeline events) call {@link EventQueue.waitForSpace} first, so a slow consumer
 * slows them down.
 */
export class EventQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #tail = 0;
  /** Called once, synchronously, when the next event arrives (or the queue closes) while the consumer waits. */
  #wakeConsumer: (() => void) | undefined;
  /** Producers waiting for room (made when the first one waits). */
  #spaceWaiters: (() => void)[] | undefined;
  #closed = false;
  #discarding = false;
  /** Most undelivered events seen at once. */
  maxDepth = 0;
  readonly #capacity: number;
  readonly #lowWater: number;

  /** @param capacity - undelivered events at which producers wait; 0 = unbounded. */
  constructor(capacity: number) {
    this.#capacity = capacity === 0 ? Number.POSITIVE_INFINITY : capacity;
    this.#lowWater = Math.floor((this.#capacity - 1) / 2);
  }

  /** True when producers should wait. */
  get full(): boolean {
    return this.#tail - this.#head >= this.#capacity;
  }

  /** No more events will come. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an event. Never blocks. */
  push(item: T): void {
    if (this.#discarding) return;
    this.#items[this.#tail++] = item;
    const depth = this.#tail - this.#head;
    if (depth > this.maxDepth) this.maxDepth = depth;
    const wake = this.#wakeConsumer;
    if (wake !== undefined) {
      this.#wakeConsumer = undefined;
      wake();
    }
  }

  /** Takes the next event, or undefined when none is waiting. */
  shift(): T | undefined {
    const head = this.#head;
    if (head === this.#tail) return undefined;
    const items = this.#items;
    const item = items[head];
    items[head] = undefined;
    if (head + 1 === this.#tail) {
      // Drained: start again at the front, keeping the array's capacity.
      this.#head = 0;
      this.#tail = 0;
    } else if (head > 4096 && head * 2 > this.#tail) {
      this.#items = items.slice(head + 1, this.#tail);
      this.#tail -= head + 1;
      this.#head = 0;
    } else this.#head = head + 1;
    // Waiting producers resume once the queue has drained to half: resuming them one event at a
    // time would make them stop again at once.
    if (this.#spaceWaiters !== undefined && this.#tail - this.#head <= this.#lowWater)
      this.#releaseProducers();
    return item;
  }

  /**
   * Calls `callback` once, synchronously, when the next event is pushed or the queue closes. The
   * callback runs inside the producer's `push`: it must not call back into the run.
   */
  onNext(callback: () => void): void {
    this.#wakeConsumer = callback;
  }

  /** Resolves when there is room (immediately when there is). */
  waitForSpace(): Promise<void> | undefined {
    if (!this.full || this.#discarding || this.#closed) return undefined;
    return new Promise((resolve) => (this.#spaceWaiters ??= []).push(resolve));
  }

  /** Marks the end of the stream. */
  close(): void {
    this.#closed = true;
    this.#releaseProducers();
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }

  /** Drops everything now and later (the consumer is gone). */
  discard(): void {
    this.#discarding = true;
    this.#items = [];
    this.#head = 0;
    this.#tail = 0;
    this.#releaseProducers();
  }

  #releaseProducers(): void {
    const waiters = this.#spaceWaiters;
    if (waiters === undefined) return;
    this.#spaceWaiters = undefined;
    for (const release of waiters) release();
  }
}
