import { BarrierTimeoutError } from "../errors/errors.js";
import { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import { arrive as arriveAt, newWave, waitingFor } from "./barrier.js";
import type { Invocation } from "./invocation.js";
import type { PipeRun } from "./pipe-run.js";

/** Starts the static successors of a completed invocation (siblings start as one wave). */
export function follow(run: PipeRun, inv: Invocation): void {
  if (run.stopping) return;
  const successors = inv.node.successors;
  if (successors.length === 0) return;
  const nodes = run.compiled.plan.nodes;
  if (successors.length === 1) {
    arrive(run, nodes.get(successors[0]!)!, inv.node.name, false, inv);
    return;
  }
  run.startTogether(() => {
    for (let i = 0; i < successors.length; i++)
      arrive(run, nodes.get(successors[i]!)!, inv.node.name, false, inv);
  });
}

/** Prunes a step's static successors: joins below it learn this branch will not come. */
export function skipSuccessors(run: PipeRun, node: PlanNode, from: Invocation): void {
  if (run.stopping) return;
  const nodes = run.compiled.plan.nodes;
  for (const name of node.successors) arrive(run, nodes.get(name)!, node.name, true, from);
}

/** A parent of `node` ended (`skipped` when its branch was pruned): start `node` when its barrier allows. */
function arrive(run: PipeRun, node: PlanNode, parent: string, skipped: boolean, from: Invocation): void {
  const join = node.join;
  if (join === null) {
    if (skipped) skipSuccessors(run, node, from);
    else run.startStep(node, from, null, undefined, undefined, 1, from.scope);
    return;
  }
  let progress = run.barriers.get(node.name);
  const first = progress === undefined;
  // A join's barrier events are its own moments (not a step end's): one clock read for each.
  let now: number | undefined;
  if (progress === undefined) {
    now = run.clock.now();
    progress = newWave(join, now);
    run.barriers.set(node.name, progress);
  }
  const outcome = arriveAt(join, progress, parent, skipped);
  if (progress.expired) {
    if (outcome.reset) run.barriers.delete(node.name);
    return;
  }
  if (first && !outcome.reset && join.type === "all") {
    run.emit(
      EventType.BARRIER_WAIT,
      node.name,
      { waitingFor: waitingFor(join, progress) },
      "barrier",
      null,
      null,
      now,
    );
    if (join.timeout !== undefined) armBarrierTimer(run, node, join.timeout, from);
  }
  if (outcome.reset) {
    run.barriers.delete(node.name);
    if (join.timeout !== undefined) {
      const timer = run.barrierTimers.get(node.name);
      if (timer !== undefined) {
        run.clock.clearTimeout(timer);
        run.barrierTimers.delete(node.name);
        run.release();
      }
    }
  }
  if (outcome.fire) {
    if (join.type === "all") {
      const released = run.clock.now();
      run.emit(
        EventType.BARRIER_RELEASE,
        node.name,
        { durationMs: released - progress.since },
        "barrier",
        null,
        null,
        released,
      );
    }
    run.startStep(node, from, null, undefined, undefined, 1, from.scope);
  } else if (outcome.skip) skipSuccessors(run, node, from);
}

function armBarrierTimer(run: PipeRun, node: PlanNode, timeout: number, from: Invocation): void {
  run.hold();
  const timer = run.clock.setTimeout(() => {
    run.barrierTimers.delete(node.name);
    const progress = run.barriers.get(node.name);
    // The wave stays, expired: parents arriving late complete it without starting the join.
    if (progress !== undefined) progress.expired = true;
    if (progress !== undefined && !run.stopping) {
      run.metrics.barrierTimedOut(node.name);
      const waiting = waitingFor(node.join!, progress);
      // The join never runs: its failure goes through a stand-in invocation so its onError applies.
      const inv = run.openInvocation(node, from, null, undefined, undefined, 1, from.scope);
      run.onError(inv, new BarrierTimeoutError(node.name, timeout, waiting), true);
    }
    run.release();
  }, timeout);
  run.barrierTimers.set(node.name, timer);
}
