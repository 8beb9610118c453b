import { type Clock, type Observer, type ObserverInfo, type PipeEvent, realClock } from "../index.js";

/** A join that has waited longer than the threshold. */
export interface BarrierWarning {
  /** The pipe. */
  readonly pipeName: string;
  /** The run. */
  readonly runId: string;
  /** The join step (its stage: `"<sub>:<step>"` inside a sub-pipeline). */
  readonly step: string;
  /** How long it has waited so far, in ms (by the clock). */
  readonly waitedMs: number;
  /** The parent branches it still waits for. */
  readonly waitingFor: readonly string[];
  /** A sentence for people. */
  readonly message: string;
}

/** Options of {@link BarrierDebugger}. */
export interface BarrierDebuggerOptions {
  /**
   * Warn when a join has waited this many milliseconds since its first parent arrived.
   * @default 5000
   */
  thresholdMs?: number;
  /**
   * The clock to measure waits with: pass the pipe's clock (a `SimulatedClock` in tests).
   * @default realClock
   */
  clock?: Clock;
  /**
   * Receives each warning.
   * @default a process warning of type `JustpipeBarrierWarning`
   */
  onWarning?: (warning: BarrierWarning) => void;
}

interface Wait {
  readonly step: string;
  readonly since: number;
  readonly missing: Set<string>;
  timer: unknown;
}

/**
 * An observer that warns when a join (a step with several parents and `barrierType: "all"`) has
 * waited longer than a threshold, naming the branches it is still waiting for: the usual cause of
 * a pipeline that "hangs" is one slow or stuck branch. One warning per wait; parents that end
 * while it waits are taken off the list.
 *
 * @example
 * ```ts
 * import { BarrierDebugger } from "justpipe/observers";
 * pipe.addObserver(new BarrierDebugger({ thresholdMs: 10_000 }));
 * // (node:1234) JustpipeBarrierWarning: Join 'merge' of run 3f2a… has waited 10000 ms for: searchWeb
 * ```
 */
export class BarrierDebugger implements Observer {
  readonly #thresholdMs: number;
  readonly #clock: Clock;
  readonly #onWarning: (warning: BarrierWarning) => void;
  readonly #waits = new Map<string, Map<string, Wait>>();
  /** Warnings given so far, in order. */
  readonly warnings: BarrierWarning[] = [];

  constructor(options: BarrierDebuggerOptions = {}) {
    const thresholdMs = options.thresholdMs ?? 5_000;
    if (typeof thresholdMs !== "number" || !(thresholdMs >= 0)) {
      throw new TypeError(
        `Expected \`thresholdMs\` to be a number >= 0, got \`${String(thresholdMs)}\` (${typeof thresholdMs}).`,
      );
    }
    this.#thresholdMs = thresholdMs;
    this.#clock = options.clock ?? realClock;
    this.#onWarning =
      options.onWarning ??
      ((warning) => process.emitWarning(warning.message, { type: "JustpipeBarrierWarning" }));
  }

  /** Follows barrier waits and the parents that end while a join waits. */
  onEvent(event: PipeEvent, info: ObserverInfo): void {
    let waits = this.#waits.get(info.runId);
    switch (event.type) {
      case "barrier_wait": {
        if (waits === undefined) this.#waits.set(info.runId, (waits = new Map()));
        const previous = waits.get(event.stage);
        if (previous !== undefined) this.#clockOff(previous);
        const prefix = event.stage.slice(0, event.stage.lastIndexOf(":") + 1);
        const wait: Wait = {
          step: event.stage,
          since: event.timestamp,
          missing: new Set(event.payload.waitingFor.map((parent) => `${prefix}${parent}`)),
          timer: undefined,
        };
        const delay = Math.max(0, this.#thresholdMs - (this.#clock.now() - event.timestamp));
        wait.timer = this.#clock.setTimeout(() => this.#warn(wait, info), delay);
        waits.set(event.stage, wait);
        return;
      }
      case "barrier_release": {
        const wait = waits?.get(event.stage);
        if (wait !== undefined) {
          this.#clockOff(wait);
          waits!.delete(event.stage);
        }
        return;
      }
      case "step_end":
        if (waits !== undefined) for (const wait of waits.values()) wait.missing.delete(event.stage);
        return;
      case "finish":
        if (event.parentRunId === null) this.#forget(info.runId);
        return;
    }
  }

  /** The run ended (also after a client close): stops its timers. */
  onPipelineEnd(_end: unknown, info: ObserverInfo): void {
    this.#forget(info.runId);
  }

  /** The run failed: stops its timers. */
  onPipelineError(_error: unknown, _end: unknown, info: ObserverInfo): void {
    this.#forget(info.runId);
  }

  #forget(runId: string): void {
    const waits = this.#waits.get(runId);
    if (waits === undefined) return;
    for (const wait of waits.values()) this.#clockOff(wait);
    this.#waits.delete(runId);
  }

  #clockOff(wait: Wait): void {
    if (wait.timer !== undefined) this.#clock.clearTimeout(wait.timer);
    wait.timer = undefined;
  }

  #warn(wait: Wait, info: ObserverInfo): void {
    wait.timer = undefined;
    const waitedMs = this.#clock.now() - wait.since;
    const waitingFor = [...wait.missing];
    const warning: BarrierWarning = {
      pipeName: info.pipeName,
      runId: info.runId,
      step: wait.step,
      waitedMs,
      waitingFor,
      message: `Join '${wait.step}' of pipe '${info.pipeName}' (run ${info.runId}) has waited ${Math.round(waitedMs)} ms for: ${waitingFor.join(", ") || "(unknown)"}. Look at those branches, or set a barrierTimeout on '${wait.step}'.`,
    };
    this.warnings.push(warning);
    this.#onWarning(warning);
  }
}
