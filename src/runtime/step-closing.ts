import { RetryLimitError, SubPipelineError } from "../errors/errors.js";
import { messageOf } from "../events/failure.js";
import { FailureKind, FailureReason } from "../events/outcome.js";
import { EventType } from "../events/types.js";
import { sleep } from "./clock.js";
import { ClosingGenerators } from "./closing-generators.js";
import type { Invocation } from "./invocation.js";
import type { JoinBarriers } from "./join-barriers.js";
import { type MapDriver, mapWorkerClosed } from "./map.js";
import type { MetaScope, pipelineMeta } from "./meta.js";
import { failureMessage } from "./missing-context.js";
import { OpenInvocations } from "./open-invocations.js";
import { handleError } from "./recovery.js";
import { RunEventEmitter } from "./run-event-emitter.js";
import type { SchedulerPort } from "./scheduler-port.js";

type ClosingStatus = "success" | "recovered" | "error" | "cancelled";

/**
 * How a run closes step invocations, and what it knows about the open ones. Every invocation
 * opened with `STEP_START` is closed exactly once: by `endStep` (`STEP_END`), `failStep`
 * (`STEP_ERROR`, then fail fast), `cancelStep` (`CANCELLED`) or a retry (the attempt's
 * `STEP_ERROR` with `retrying: true`, then the next attempt opens); `Invocation.closed` makes a
 * second close a no-op. Idle tracking lives here too: the run is idle when no invocation is open
 * and no background work is held (`hold`/`release`: retry backoffs, map pulls, barrier timers),
 * the latter ignored once the run is stopping.
 */
export abstract class StepClosing extends RunEventEmitter {
  abstract readonly state: unknown;
  abstract readonly ctx: unknown;
  abstract get stopping(): boolean;
  abstract get aborted(): boolean;
  abstract get abortMessage(): string;
  abstract get signal(): AbortSignal;
  abstract get stopSignal(): AbortSignal;
  abstract get joins(): JoinBarriers;
  abstract get runMeta(): MetaScope;
  abstract get pipelineMeta(): ReturnType<typeof pipelineMeta>;
  protected abstract failFast(reason: string): void;
  /** The run itself, as the helpers see it (`this`, typed as the narrow interface). */
  protected abstract readonly port: SchedulerPort;
  protected abstract startNextAttempt(invocation: Invocation): void;

  /** The invocations started and not yet closed. */
  protected readonly open = new OpenInvocations();
  /** Generator steps closed before they finished (made on first use). */
  protected closingGenerators: ClosingGenerators | undefined = undefined;
  /** Background work outstanding (see {@link StepClosing.hold}). */
  protected pending = 0;
  /**
   * The time of the step end being settled, reused for the steps it starts in the same synchronous
   * turn (a clock read costs ~70 ns). Set only while a result settles; cleared before any handler runs.
   */
  protected reusedNow: number | undefined = undefined;
  /** True while a result settles (see {@link StepClosing.reusedNow}). */
  protected settling = false;
  #onIdle: (() => void) | undefined = undefined;

  // ---------------------------------------------------------------- idle

  /**
   * The executor of the promise the lifecycle awaits until the run is idle (idle is signalled
   * synchronously, possibly just before a successor starts: the lifecycle checks again on wake-up).
   */
  protected readonly waitIdle = (resolve: () => void): void => {
    this.#onIdle = resolve;
    this.maybeIdle();
  };

  /** True when no invocation is open and no background work is held (or the run is stopping). */
  protected isIdle(): boolean {
    // Once stopping, pending background work (backoffs, pulls, timers) can start nothing new.
    return this.open.count === 0 && (this.pending === 0 || this.stopping);
  }

  /** Wakes the lifecycle when the run just became idle. */
  protected maybeIdle(): void {
    // The open count first, inline: this runs at every step end, and most find steps still open.
    if (this.open.count === 0 && this.#onIdle !== undefined && this.isIdle()) {
      const resolve = this.#onIdle;
      this.#onIdle = undefined;
      resolve();
    }
  }

  /** Marks outstanding background work (a retry backoff, a map pull, a barrier timer). */
  hold(): void {
    this.pending++;
  }

  /** Ends a {@link StepClosing.hold}. */
  release(): void {
    this.pending--;
    this.maybeIdle();
  }

  // ---------------------------------------------------------------- closing

  /** Closes an invocation with `STEP_END`. */
  endStep(invocation: Invocation): void {
    const status = invocation.handling ? "recovered" : "success";
    const durationMs = this.#emitTerminal(invocation, EventType.STEP_END, undefined, status);
    this.metrics.stepEnded(invocation.node, durationMs);
    this.#close(invocation, false);
  }

  /** Closes an invocation with `CANCELLED`. */
  cancelStep(invocation: Invocation, reason: string): void {
    if (invocation.closed) return;
    if (invocation.unannounced) {
      // A sibling of a wave whose handler was never called: it leaves no events at all.
      invocation.closed = true;
      this.open.remove(invocation);
      this.metrics.tasksStarted--;
      if (invocation.mapOwner !== undefined)
        mapWorkerClosed(this.port, invocation.mapOwner, invocation.scope);
      this.maybeIdle();
      return;
    }
    if (invocation.standIn) {
      // A join whose barrier timed out never started: it ends with its barrier error, not CANCELLED.
      const payload = { message: messageOf(invocation.error), error: invocation.error, retrying: false };
      this.#emitTerminal(invocation, EventType.STEP_ERROR, payload, "error");
      this.#close(invocation, false);
      return;
    }
    this.persistence?.interrupted(invocation);
    this.#emitTerminal(invocation, EventType.CANCELLED, { reason }, "cancelled");
    this.#close(invocation, false);
  }

  /** Closes an invocation with `STEP_ERROR`, records the failure and stops the run (fail fast). */
  failStep(invocation: Invocation, error: unknown): void {
    if (invocation.closed) return;
    const message = failureMessage(error, this.ctx);
    const name = invocation.node.name;
    const stepLabel = error instanceof SubPipelineError ? `${name}:${error.failedStep}` : name;
    this.persistence?.interrupted(invocation);
    this.#emitTerminal(invocation, EventType.STEP_ERROR, { message, error, retrying: false }, "error");
    // Errors of the infrastructure around a step (a worker with another definition) say so.
    const kind =
      (error as { failureKind?: unknown } | null)?.failureKind === FailureKind.INFRA
        ? FailureKind.INFRA
        : FailureKind.STEP;
    this.journal.record(kind, FailureReason.STEP_ERROR, error, stepLabel, message);
    this.failFast(`Run stopped because step '${stepLabel}' failed: ${message}`);
    this.#close(invocation, false);
  }

  /** Closes every open invocation with `CANCELLED`, children before owners (timeout, cancel, close). */
  protected closeAllOpen(reason: string): void {
    // Newest first; owners whose child run is still winding down are left for it to close.
    for (const invocation of this.open.newestFirst()) {
      if (invocation.node.kind === "sub" && invocation.children !== undefined) continue;
      // A map owner closes after its last worker (map.ts), workers still winding down included.
      if (
        invocation.node.kind === "map" &&
        invocation.children !== undefined &&
        (invocation.children as MapDriver).active > 0
      )
        continue;
      this.cancelStep(invocation, reason);
    }
    this.maybeIdle();
  }

  /** Cancels a step's pending `timeout` timer, if it has one. */
  clearStepTimer(invocation: Invocation): void {
    if (invocation.timer !== undefined) {
      this.clock.clearTimeout(invocation.timer);
      invocation.timer = undefined;
    }
  }

  /** Emits an invocation's terminal event with its framework meta; returns its duration. */
  #emitTerminal(invocation: Invocation, type: EventType, payload: unknown, status: ClosingStatus): number {
    const now = this.clock.now();
    // Reused by the steps this end starts, unless user code (an event hook) runs in between.
    if (this.settling && this.compiled.eventHooks.length === 0) this.reusedNow = now;
    const durationMs = now - invocation.startedAt;
    const meta = stepMeta(invocation, durationMs, status);
    const node = invocation.node;
    this.emit(type, node.name, payload, node.kind, invocation, meta, now);
    return durationMs;
  }

  /** Marks an invocation closed (its terminal event is already queued). */
  #close(invocation: Invocation, retrying: boolean): void {
    invocation.closed = true;
    if (invocation.timer !== undefined) this.clearStepTimer(invocation);
    if (invocation.iterator !== undefined) {
      const iterator = invocation.iterator;
      invocation.iterator = undefined;
      (this.closingGenerators ??= new ClosingGenerators()).close(iterator);
    }
    this.open.remove(invocation);
    this.metrics.tasksCompleted++;
    if (!retrying && invocation.mapOwner !== undefined)
      mapWorkerClosed(this.port, invocation.mapOwner, invocation.scope);
    this.maybeIdle();
  }

  // ---------------------------------------------------------------- errors and retries

  /** Handles an invocation's error: automatic retry, error handlers, fail fast (see `recovery.ts`). */
  onError(invocation: Invocation, error: unknown): void {
    handleError(this.port, invocation, error, false);
  }

  /** Handles an error the runtime raised while applying a result (a bad jump, route or map source). */
  onControlError(invocation: Invocation, error: unknown): void {
    handleError(this.port, invocation, error, true);
  }

  /** Closes a failed attempt (`STEP_ERROR`, `retrying: true`) and runs the step again after `delay`. */
  retryAfterError(invocation: Invocation, error: unknown, delay = 0): void {
    this.#retry(invocation, error, delay, true);
  }

  /** The step returned `Retry`: closes the attempt with `STEP_END` and runs it again at once. */
  retryReturned(invocation: Invocation): void {
    this.#retry(invocation, undefined, 0, false);
  }

  /** `failed`: the attempt threw (even `undefined`) rather than returning `Retry`. */
  #retry(invocation: Invocation, error: unknown, delay: number, failed: boolean): void {
    if (this.stopping) {
      this.cancelStep(invocation, "The run stopped before the step could run again");
      return;
    }
    const maxRetries = this.compiled.maxRetries;
    if (invocation.attempt >= maxRetries) {
      this.failStep(invocation, new RetryLimitError(invocation.node.name, maxRetries, { cause: error }));
      return;
    }
    this.metrics.retries++;
    if (!failed) this.#emitTerminal(invocation, EventType.STEP_END, undefined, "success");
    else {
      const payload = { message: failureMessage(error, this.ctx), error, retrying: true };
      this.#emitTerminal(invocation, EventType.STEP_ERROR, payload, "error");
    }
    this.hold();
    this.#close(invocation, true);
    // A durable run's checkpoints hold the waiting attempt (a resume runs it after what is left).
    this.persistence?.waitingRetry(invocation, delay);
    const again = () => {
      if (!this.stopping) {
        this.persistence?.retryStarted(invocation);
        this.startNextAttempt(invocation);
      } else if (invocation.mapOwner !== undefined)
        mapWorkerClosed(this.port, invocation.mapOwner, invocation.scope);
      this.release();
    };
    if (delay <= 0) again();
    else sleep(this.clock, delay, this.stopSignal).then(again, again);
  }
}

/** The `meta` of an invocation's terminal event: what the step wrote, and the framework's entry. */
function stepMeta(invocation: Invocation, durationMs: number, status: ClosingStatus) {
  const user = invocation.stepMeta?.snapshot();
  // A step whose error handler recovered it says so, with the error it recovered from.
  const framework =
    status === "recovered"
      ? { durationMs, attempt: invocation.attempt, status, error: messageOf(invocation.error) }
      : { durationMs, attempt: invocation.attempt, status };
  return user === undefined ? { framework } : { ...user, framework };
}
