import { shownValue } from "../errors/messages.js";
import type { Clock } from "../model/clock.js";

interface Timer {
  readonly id: number;
  readonly due: number;
  /** Scheduling order: timers due at the same time fire first-scheduled first. */
  readonly order: number;
  readonly callback: () => void;
}

/** Lets every pending promise continuation (and anything they chain) run. */
const flushTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A {@link Clock} that only moves when you tell it to, so tests of timeouts, retries with
 * backoff and barrier timeouts run instantly and deterministically (in the spirit of xstate's
 * `SimulatedClock`).
 *
 * Semantics:
 * - Time starts at `start` (ms since the epoch, default `0`) and changes only through
 *   {@link SimulatedClock.advance}, {@link SimulatedClock.advanceToNextTimer} and
 *   {@link SimulatedClock.runAll}. `now()` never moves on its own.
 * - `setTimeout(callback, ms)` schedules `callback` at `now() + ms` (negative or non-finite `ms`
 *   count as `0`). A timer never fires synchronously, not even with `ms = 0`: it fires during
 *   the next advance that reaches its due time.
 * - Timers fire in order of due time; timers due at the same time fire in the order they were
 *   scheduled. While a timer fires, `now()` equals its due time.
 * - Between two firings the clock yields to the event loop (one `setImmediate` turn), so promise
 *   continuations woken by a timer run, and may schedule or clear timers, before the next one is
 *   looked up. A timer scheduled by a callback fires in the same advance if it falls due within it.
 * - A callback that throws rejects the advance with that error; time stays at that timer's due
 *   time and later timers stay pending.
 * - Only one advance may run at a time: starting another before the first settles throws.
 *
 * @example
 * ```ts
 * const clock = new SimulatedClock();
 * const pipe = new Pipe({ clock });
 * pipe.step("slow", ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))), { timeout: 5_000 });
 *
 * const done = new TestPipe(pipe).run({});
 * await clock.advance(5_000);           // the step's timeout fires, no real waiting
 * const result = await done;            // result.status === "failed"
 * ```
 */
export class SimulatedClock implements Clock {
  #now: number;
  readonly #timers = new Map<number, Timer>();
  #nextId = 1;
  #advancing = false;

  /**
   * Creates a clock stopped at `start`, with no pending timers.
   *
   * @param start - the initial time, in milliseconds since the epoch, or a `Date`; `0` when omitted.
   * @throws `TypeError` when `start` is not a finite number or a valid `Date`.
   */
  constructor(start: number | Date = 0) {
    const ms = start instanceof Date ? start.getTime() : start;
    if (typeof ms !== "number" || !Number.isFinite(ms)) {
      throw new TypeError(
        `Expected \`start\` to be a finite number of ms or a valid Date, got ${shownValue(start)}.`,
      );
    }
    this.#now = ms;
  }

  /** The simulated time, in ms since the epoch. */
  now(): number {
    return this.#now;
  }

  /** Schedules `callback` at `now() + ms`; returns a handle for {@link SimulatedClock.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): number {
    if (typeof callback !== "function") {
      throw new TypeError(`Expected \`callback\` to be a function, got ${shownValue(callback)}.`);
    }
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const id = this.#nextId++;
    this.#timers.set(id, { id, due: this.#now + delay, order: id, callback });
    return id;
  }

  /** Cancels a pending timer. Unknown or already fired handles are ignored, as with Node's timers. */
  clearTimeout(handle: unknown): void {
    if (typeof handle === "number") this.#timers.delete(handle);
  }

  /** Number of timers scheduled and not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** The due time of the next pending timer, or `undefined` when none is pending. */
  nextTimerAt(): number | undefined {
    return this.#next(Number.POSITIVE_INFINITY)?.due;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, including
   * timers scheduled by those callbacks (or by code they wake up) within the window. Ends with
   * `now()` at the start time + `ms`.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`Expected \`ms\` to be a finite number >= 0, got ${shownValue(ms)}.`);
    }
    const target = this.#now + ms;
    await this.#exclusive(async () => {
      for (;;) {
        await flushTurn();
        const timer = this.#next(target);
        if (timer === undefined) break;
        this.#fire(timer);
      }
      this.#now = target;
    });
  }

  /**
   * Moves time to the next pending timer's due time and fires that one timer, then lets woken
   * code run. Resolves to false, without moving time, when no timer is pending.
   */
  async advanceToNextTimer(): Promise<boolean> {
    return this.#exclusive(async () => {
      await flushTurn();
      const timer = this.#next(Number.POSITIVE_INFINITY);
      if (timer === undefined) return false;
      this.#fire(timer);
      await flushTurn();
      return true;
    });
  }

  /**
   * Fires timers in order, moving time as needed, until none is pending (timers scheduled along
   * the way included). Throws when more than `maxTimers` fire, which usually means an endless
   * chain such as a polling loop. Resolves to the number of timers fired.
   *
   * @example
   * ```ts
   * const [result] = await Promise.all([tester.run(state, { clock }), clock.runAll()]);
   * ```
   */
  async runAll(options: { maxTimers?: number } = {}): Promise<number> {
    const limit = options.maxTimers ?? 10_000;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`Expected \`maxTimers\` to be an integer >= 1, got ${shownValue(limit)}.`);
    }
    return this.#exclusive(async () => {
      let fired = 0;
      for (;;) {
        await flushTurn();
        const timer = this.#next(Number.POSITIVE_INFINITY);
        if (timer === undefined) return fired;
        if (fired === limit) {
          throw new Error(
            `SimulatedClock.runAll() fired ${limit} timers and more are still pending (next at ${timer.due} ms): an endless timer chain? Use advance(ms) instead, or raise \`maxTimers\`.`,
          );
        }
        this.#fire(timer);
        fired++;
      }
    });
  }

  /** Lets pending promise continuations run without moving time. */
  async flush(): Promise<void> {
    await flushTurn();
  }

  #next(limit: number): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers.values()) {
      if (timer.due > limit) continue;
      if (
        best === undefined ||
        timer.due < best.due ||
        (timer.due === best.due && timer.order < best.order)
      ) {
        best = timer;
      }
    }
    return best;
  }

  #fire(timer: Timer): void {
    this.#timers.delete(timer.id);
    if (timer.due > this.#now) this.#now = timer.due;
    timer.callback();
  }

  async #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#advancing) {
      throw new Error(
        "SimulatedClock is already advancing: await the previous advance(), advanceToNextTimer() or runAll() before starting another.",
      );
    }
    this.#advancing = true;
    try {
      return await work();
    } finally {
      this.#advancing = false;
    }
  }
}
