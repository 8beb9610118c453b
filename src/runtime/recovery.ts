import type { PlanNode } from "../graph/plan.js";
import { Raise, Retry } from "../model/control.js";
import type { AnyHandler } from "../model/handler-types.js";
import { bounded } from "./bounded.js";
import { HandlerArgs, type Invocation } from "./invocation.js";
import { applyControl } from "./results.js";
import { backoffDelay, type RetryPolicy, retryPolicy } from "./retry.js";
import type { SchedulerPort } from "./scheduler-port.js";

const policies = new WeakMap<PlanNode, RetryPolicy>();

function policyOf(node: PlanNode): RetryPolicy {
  let policy = policies.get(node);
  if (policy === undefined) policies.set(node, (policy = retryPolicy(node.definition.retries)));
  return policy;
}

function safePredicate(predicate: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return predicate(error) === true;
  } catch {
    return false;
  }
}

/**
 * Handles an invocation's error: automatic retry, then its `onError`, then the global handlers,
 * then fail fast. `controlFailure` marks errors the runtime raised while applying a result (an
 * unknown jump, a switch without a route): those are not retried automatically.
 */
export function handleError(
  run: SchedulerPort,
  invocation: Invocation,
  error: unknown,
  controlFailure: boolean,
): void {
  if (invocation.closed) return;
  if (invocation.handling) {
    // Applying a handler's decision failed (an unknown jump, say): fail, without asking again.
    // Anything else arriving now is a late result of an invocation already being handled.
    if (controlFailure) run.failStep(invocation, error);
    return;
  }
  invocation.handling = true;
  invocation.error = error;
  if (run.aborted) {
    run.cancelStep(invocation, run.abortMessage);
    return;
  }
  if (!controlFailure) {
    const policy = policyOf(invocation.node);
    if (
      invocation.attempt <= policy.attempts &&
      invocation.attempt < run.compiled.maxRetries &&
      (policy.retryOn === undefined || safePredicate(policy.retryOn, error))
    ) {
      // After Stop or Suspend nothing new starts: `retry` then just ends the step.
      run.clearStepTimer(invocation);
      run.retryAfterError(invocation, error, backoffDelay(policy, invocation.attempt));
      return;
    }
  }
  const local = invocation.node.definition.onError;
  if (local !== undefined || run.compiled.errorHooks.length > 0) {
    // The step's timeout keeps running and bounds its error handlers too; when it is what failed
    // the step, the handlers get one more `timeout` of their own.
    if (invocation.node.definition.timeout !== undefined && invocation.timer === undefined) {
      run.armStepTimer(invocation, invocation.node.definition.timeout);
    }
    run.remote?.localCode(invocation, true); // error handlers run here and may change the state
    void askHandlers(run, invocation, error, local);
    return;
  }
  run.failStep(invocation, error);
}

/** The step's own handler, then the global ones: the first that returns decides. */
async function askHandlers(
  run: SchedulerPort,
  invocation: Invocation,
  error: unknown,
  local: AnyHandler | undefined,
) {
  const handlers = local === undefined ? run.compiled.errorHooks : [local, ...run.compiled.errorHooks];
  let current = error;
  for (const handler of handlers) {
    let result: unknown;
    try {
      const { node, attempt, item, signal } = invocation;
      const value = handler(new HandlerArgs(run, invocation, node.name, attempt, item, current, signal));
      // A handler that never returns is cut short by the run's abort (fail fast, timeout, cancellation).
      if ((await bounded(value, run.clock, undefined, run.signal)) === "aborted") {
        if (!invocation.closed) run.cancelStep(invocation, run.abortMessage);
        return;
      }
      result = await value;
    } catch (thrown) {
      if (thrown instanceof Error && thrown !== current && thrown.cause === undefined) {
        Object.defineProperty(thrown, "cause", { value: current, configurable: true, writable: true });
      }
      current = thrown;
      continue;
    }
    if (invocation.closed) return;
    if (run.aborted) {
      run.cancelStep(invocation, run.abortMessage);
      return;
    }
    if (result instanceof Retry) run.retryAfterError(invocation, current);
    else if (result instanceof Raise) run.failStep(invocation, result.error ?? current);
    else applyControl(run, invocation, result);
    return;
  }
  if (!invocation.closed) run.failStep(invocation, current);
}
