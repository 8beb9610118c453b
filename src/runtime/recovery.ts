import type { PlanNode } from "../graph/plan.js";
import { Raise, Retry } from "../model/control.js";
import type { AnyHandler } from "../model/handler-types.js";
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
  inv: Invocation,
  error: unknown,
  controlFailure: boolean,
): void {
  if (inv.closed) return;
  if (inv.handling) {
    // Applying a handler's decision failed (an unknown jump, say): fail, without asking again.
    // Anything else arriving now is a late result of an invocation already being handled.
    if (controlFailure) run.failStep(inv, error);
    return;
  }
  inv.handling = true;
  inv.error = error;
  run.clearStepTimer(inv);
  if (run.aborted) {
    run.cancelStep(inv, run.abortMessage);
    return;
  }
  if (!controlFailure) {
    const policy = policyOf(inv.node);
    if (
      inv.attempt <= policy.attempts &&
      inv.attempt < run.compiled.maxRetries &&
      (policy.retryOn === undefined || safePredicate(policy.retryOn, error))
    ) {
      // After Stop or Suspend nothing new starts: `retry` then just ends the step.
      run.retryAfterError(inv, error, backoffDelay(policy, inv.attempt));
      return;
    }
  }
  const local = inv.node.definition.onError;
  if (local !== undefined || run.compiled.errorHooks.length > 0) {
    void askHandlers(run, inv, error, local);
    return;
  }
  run.failStep(inv, error);
}

/** The step's own handler, then the global ones: the first that returns decides. */
async function askHandlers(
  run: SchedulerPort,
  inv: Invocation,
  error: unknown,
  local: AnyHandler | undefined,
) {
  const handlers = local === undefined ? run.compiled.errorHooks : [local, ...run.compiled.errorHooks];
  let current = error;
  for (const handler of handlers) {
    let result: unknown;
    try {
      result = await handler(
        new HandlerArgs(run, inv, inv.node.name, inv.attempt, inv.item, current, inv.signal),
      );
    } catch (thrown) {
      if (thrown instanceof Error && thrown !== current && thrown.cause === undefined) {
        Object.defineProperty(thrown, "cause", { value: current, configurable: true, writable: true });
      }
      current = thrown;
      continue;
    }
    if (inv.closed) return;
    if (run.aborted) {
      run.cancelStep(inv, run.abortMessage);
      return;
    }
    if (result instanceof Retry) run.retryAfterError(inv, current);
    else if (result instanceof Raise) run.failStep(inv, result.error ?? current);
    else applyControl(run, inv, result);
    return;
  }
  if (!inv.closed) run.failStep(inv, current);
}
