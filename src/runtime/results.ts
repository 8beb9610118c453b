import { shownValue } from "../errors/messages.js";
import { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import { Raise, Retry, Skip, Stop, Suspend } from "../model/control.js";
import type { Target } from "../model/handler-types.js";
import type { Invocation } from "./invocation.js";
import { startMap } from "./map.js";
import { resolveJump, routeSwitch } from "./routing.js";
import type { SchedulerPort } from "./scheduler-port.js";
import { startSub } from "./sub.js";
import { skipSuccessors } from "./transitions.js";

const warnedSteps = new WeakSet<PlanNode>();

/**
 * Streams an async-generator step: each yielded value is a `TOKEN`; the return value is its result.
 * A small state machine with its callbacks made once per stream, so a token costs one `then`
 * (no async-function frame per token).
 */
export function streamTokens(
  run: SchedulerPort,
  invocation: Invocation,
  iterator: AsyncIterator<unknown>,
): void {
  invocation.iterator = iterator;
  new TokenStream(run, invocation, iterator).pull();
}

class TokenStream {
  readonly #run: SchedulerPort;
  readonly #invocation: Invocation;
  readonly #iterator: AsyncIterator<unknown>;

  constructor(run: SchedulerPort, invocation: Invocation, iterator: AsyncIterator<unknown>) {
    this.#run = run;
    this.#invocation = invocation;
    this.#iterator = iterator;
  }

  /** Asks the generator for its next value. */
  pull(): void {
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = Promise.resolve(this.#iterator.next());
    } catch (error) {
      this.#onError(error);
      return;
    }
    next.then(this.#onNext, this.#onError);
  }

  readonly #onNext = (step: IteratorResult<unknown>): void => {
    const invocation = this.#invocation;
    if (invocation.closed) return;
    const run = this.#run;
    try {
      if (step.done) {
        invocation.iterator = undefined;
        run.settleResult(invocation, step.value);
        return;
      }
      run.emitStepEvent(EventType.TOKEN, invocation, step.value);
    } catch (error) {
      this.#onError(error);
      return;
    }
    const space = run.queue.waitForSpace();
    if (space === undefined) this.pull();
    else space.then(this.#resume);
  };

  readonly #resume = (): void => {
    if (!this.#invocation.closed) this.pull();
  };

  readonly #onError = (error: unknown): void => {
    const invocation = this.#invocation;
    invocation.iterator = undefined;
    this.#run.onError(invocation, error);
  };
}

/** Handles what a handler returned: control values, map items, a switch key, a child state. */
export function settle(run: SchedulerPort, invocation: Invocation, value: unknown): void {
  if (invocation.closed || invocation.handling) return;
  // A sub step's timeout covers its child run: sub.ts clears it when the child ends.
  if (invocation.timer !== undefined && invocation.node.kind !== "sub") run.clearStepTimer(invocation);
  const kind = invocation.node.kind;
  if (value instanceof Raise) {
    run.onError(
      invocation,
      value.error ??
        new Error(
          `Step '${invocation.node.name}' returned Raise() without an error: pass the error to raise, \`return new Raise(error)\`.`,
        ),
    );
    return;
  }
  if (value instanceof Retry) {
    run.retryReturned(invocation);
    return;
  }
  if (kind === "step" || value === Stop || value instanceof Suspend || value instanceof Skip) {
    applyControl(run, invocation, value);
    return;
  }
  if (kind === "map") startMap(run, invocation, value);
  else if (kind === "switch") route(run, invocation, value);
  else startSub(run, invocation, value);
}

/** Applies a step's (or error handler's) control result and closes the step. */
export function applyControl(run: SchedulerPort, invocation: Invocation, value: unknown): void {
  if (value === undefined || value === null) {
    run.endStep(invocation);
    run.follow(invocation);
    return;
  }
  if (typeof value === "string" || typeof value === "function") {
    const jump = resolveJump(run.compiled, invocation.node, value as Target);
    if (jump.error !== undefined) {
      run.onControlError(invocation, jump.error);
      return;
    }
    run.endStep(invocation);
    skipSuccessors(run, invocation.node, invocation);
    run.startSuccessor(jump.node, invocation);
    return;
  }
  if (value === Stop) {
    run.endStep(invocation);
    run.stopGracefully();
    return;
  }
  if (value instanceof Suspend) {
    const payload = { reason: value.reason, step: invocation.node.name };
    run.emitStepEvent(EventType.SUSPEND, invocation, payload);
    run.persistence?.suspended(invocation, value.reason);
    run.endStep(invocation);
    run.suspend();
    return;
  }
  if (value instanceof Skip) {
    run.endStep(invocation);
    skipSuccessors(run, invocation.node, invocation);
    return;
  }
  if (!warnedSteps.has(invocation.node)) {
    warnedSteps.add(invocation.node);
    process.emitWarning(
      `Step '${invocation.node.name}' returned ${shownValue(value, 80)}, which is ignored. A step returns nothing, a step name or handler to jump to, Stop, or new Suspend(); pass data through state or yield tokens. (An arrow function without braces returns its expression.)`,
      { type: "JustpipeWarning" },
    );
  }
  run.endStep(invocation);
  run.follow(invocation);
}

function route(run: SchedulerPort, invocation: Invocation, value: unknown): void {
  const routed = routeSwitch(invocation.node, value);
  if (routed.error !== undefined) {
    run.onControlError(invocation, routed.error);
    return;
  }
  if (routed.target === Stop) {
    run.endStep(invocation);
    run.stopGracefully();
    return;
  }
  const jump = resolveJump(run.compiled, invocation.node, routed.target as Target);
  if (jump.error !== undefined) {
    run.onControlError(invocation, jump.error);
    return;
  }
  run.endStep(invocation);
  run.startSuccessor(jump.node, invocation);
}
