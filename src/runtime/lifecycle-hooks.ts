import { HookTimeoutError } from "../errors/errors.js";
import { messageOf } from "../events/failure.js";
import { FailureKind, FailureReason } from "../events/outcome.js";
import { EventType } from "../events/types.js";
import type { HookArgs } from "../model/handler-types.js";
import { bounded } from "./bounded.js";
import { isThenable } from "./guards.js";
import { HandlerArgs } from "./invocation.js";
import { failureMessage } from "./missing-context.js";
import type { SchedulerPort } from "./scheduler-port.js";

/** Resolves like `value`, or rejects with the signal's reason when it aborts first. */
function raceAbort<T>(value: T | PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (!isThenable(value)) return Promise.resolve(value);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    value.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

function hookArgs(run: SchedulerPort, signal: AbortSignal): HookArgs<unknown, unknown> {
  return new HandlerArgs(run, { stepMeta: undefined }, "system", 1, undefined, undefined, signal);
}

/**
 * Runs the startup hooks in order. A failing hook is reported (`STEP_ERROR` stage `startup`) and
 * stops the run before `START`. Returns whether the steps may run.
 */
export async function runStartupHooks(run: SchedulerPort): Promise<boolean> {
  const signal = run.signal;
  for (const hook of run.compiled.startupHooks) {
    if (run.stopping) return false;
    try {
      await raceAbort(hook(hookArgs(run, signal)), signal);
    } catch (error) {
      if (run.stopping) return false;
      const message = `Startup hook failed: ${failureMessage(error, run.ctx)}`;
      run.emitRunEvent(EventType.STEP_ERROR, "startup", { message, error, retrying: false });
      run.journal.record(FailureKind.STARTUP, FailureReason.STARTUP_HOOK_ERROR, error, undefined, message);
      run.stopGracefully();
      return false;
    }
  }
  return !run.stopping;
}

/**
 * Runs every shutdown hook in order; each failure is reported (`STEP_ERROR` stage `shutdown`).
 * Each hook may take the Pipe's `shutdownTimeout`: one still running then is reported as a
 * {@link HookTimeoutError}, its signal aborts, and the next hook runs.
 */
export async function runShutdownHooks(run: SchedulerPort): Promise<void> {
  const limit = run.compiled.shutdownTimeout;
  for (const hook of run.compiled.shutdownHooks) {
    // Cleanup gets a live signal, even when the run itself was aborted; it aborts if the hook overruns.
    const controller = new AbortController();
    try {
      const outcome = await bounded(hook(hookArgs(run, controller.signal)), run.clock, limit);
      if (outcome === "timeout") {
        const error = new HookTimeoutError(hook.name || "(anonymous)", limit);
        controller.abort(error);
        reportShutdownFailure(run, error);
      }
    } catch (error) {
      reportShutdownFailure(run, error);
    }
  }
}

function reportShutdownFailure(run: SchedulerPort, error: unknown): void {
  const message = `Shutdown hook failed: ${messageOf(error)}`;
  run.emitRunEvent(EventType.STEP_ERROR, "shutdown", { message, error, retrying: false });
  run.journal.record(FailureKind.SHUTDOWN, FailureReason.SHUTDOWN_HOOK_ERROR, error, undefined, message);
}
