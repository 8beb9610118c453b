import { messageOf } from "../events/failure.js";
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
export function streamTokens(run: SchedulerPort, inv: Invocation, iterator: AsyncIterator<unknown>): void {
  inv.iterator = iterator;
  new TokenStream(run, inv, iterator).pull();
}

class TokenStream {
  readonly #run: SchedulerPort;
  readonly #inv: Invocation;
  readonly #iterator: AsyncIterator<unknown>;

  constructor(run: SchedulerPort, inv: Invocation, iterator: AsyncIterator<unknown>) {
    this.#run = run;
    this.#inv = inv;
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
    const inv = this.#inv;
    if (inv.closed) return;
    const run = this.#run;
    try {
      if (step.done) {
        inv.iterator = undefined;
        run.settleResult(inv, step.value);
        return;
      }
      run.emitStepEvent(EventType.TOKEN, inv, step.value);
    } catch (error) {
      this.#onError(error);
      return;
    }
    const space = run.queue.waitForSpace();
    if (space === undefined) this.pull();
    else space.then(this.#resume);
  };

  readonly #resume = (): void => {
    if (!this.#inv.closed) this.pull();
  };

  readonly #onError = (error: unknown): void => {
    const inv = this.#inv;
    inv.iterator = undefined;
    this.#run.onError(inv, error);
  };
}

/** Handles what a handler returned: control values, map items, a switch key, a child state. */
export function settle(run: SchedulerPort, inv: Invocation, value: unknown): void {
  if (inv.closed || inv.handling) return;
  // A sub step's timeout covers its child run: sub.ts clears it when the child ends.
  if (inv.node.kind !== "sub") run.clearStepTimer(inv);
  const kind = inv.node.kind;
  if (value instanceof Raise) {
    run.onError(
      inv,
      value.error ??
        new Error(
          `Step '${inv.node.name}' returned Raise() without an error: pass the error to raise, \`return new Raise(error)\`.`,
        ),
    );
    return;
  }
  if (value instanceof Retry) {
    run.retryReturned(inv);
    return;
  }
  if (kind === "step" || value === Stop || value instanceof Suspend || value instanceof Skip) {
    applyControl(run, inv, value);
    return;
  }
  if (kind === "map") startMap(run, inv, value);
  else if (kind === "switch") route(run, inv, value);
  else startSub(run, inv, value);
}

/** Applies a step's (or error handler's) control result and closes the step. */
export function applyControl(run: SchedulerPort, inv: Invocation, value: unknown): void {
  if (value === undefined || value === null) {
    run.endStep(inv);
    run.follow(inv);
    return;
  }
  if (typeof value === "string" || typeof value === "function") {
    const jump = resolveJump(run.compiled, inv.node, value as Target);
    if (jump.error !== undefined) {
      run.onControlError(inv, jump.error);
      return;
    }
    run.endStep(inv);
    skipSuccessors(run, inv.node, inv);
    run.startSuccessor(jump.node, inv);
    return;
  }
  if (value === Stop) {
    run.endStep(inv);
    run.stopGracefully();
    return;
  }
  if (value instanceof Suspend) {
    const payload = { reason: value.reason, step: inv.node.name };
    run.emitStepEvent(EventType.SUSPEND, inv, payload);
    run.endStep(inv);
    run.suspend();
    return;
  }
  if (value instanceof Skip) {
    run.endStep(inv);
    skipSuccessors(run, inv.node, inv);
    return;
  }
  if (!warnedSteps.has(inv.node)) {
    warnedSteps.add(inv.node);
    process.emitWarning(
      `Step '${inv.node.name}' returned ${typeof value} (${messageOf(value).slice(0, 80)}), which is ignored. A step returns nothing, a step name or handler to jump to, Stop, or new Suspend(); pass data through state or yield tokens. (An arrow function without braces returns its expression.)`,
      { type: "JustpipeWarning" },
    );
  }
  run.endStep(inv);
  run.follow(inv);
}

function route(run: SchedulerPort, inv: Invocation, value: unknown): void {
  const routed = routeSwitch(inv.node, value);
  if (routed.error !== undefined) {
    run.onControlError(inv, routed.error);
    return;
  }
  if (routed.target === Stop) {
    run.endStep(inv);
    run.stopGracefully();
    return;
  }
  const jump = resolveJump(run.compiled, inv.node, routed.target as Target);
  if (jump.error !== undefined) {
    run.onControlError(inv, jump.error);
    return;
  }
  run.endStep(inv);
  run.startSuccessor(jump.node, inv);
}
