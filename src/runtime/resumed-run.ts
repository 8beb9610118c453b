// A resumed run continues from its checkpoint's frontier: the joins' arrivals come back, the steps
// that had ended have their successors started, the others start again, and retries that were
// waiting for their backoff wait for the time that was left.
import type { PlanNode } from "../graph/plan.js";
import type { Frontier, FrontierRetry } from "../store/checkpoint.js";
import { sleep } from "./clock.js";
import { Invocation } from "./invocation.js";
import type { SchedulerPort } from "./scheduler-port.js";

/** Starts a step of the checkpoint again, with its lineage (the scheduler's `startResumed`). */
export type StartResumed = (
  node: PlanNode,
  saved: { attempt: number; lineage: string; scope: readonly string[] },
  resumeMap?: Invocation["resumeMap"],
  resumeSub?: Invocation["resumeSub"],
) => void;

/**
 * Continues a resumed run: the joins' arrivals come back, the steps that had ended (or
 * suspended) have their successors started, and the steps that had not ended start again.
 *
 * @param run - the resumed run.
 * @param frontier - its checkpoint's progress.
 * @param stopSignal - aborts when the run stops (ends a retry's remaining backoff).
 * @param startResumed - starts one saved invocation again.
 */
export function continueFrom(
  run: SchedulerPort,
  frontier: Frontier,
  stopSignal: AbortSignal,
  startResumed: StartResumed,
): void {
  const nodes = run.compiled.plan.nodes;
  if (frontier.barriers.length > 0) run.joins.restore(frontier.barriers, nodes);
  const now = run.clock.now();
  run.startTogether(() => {
    for (const saved of frontier.completed ?? []) {
      const node = nodes.get(saved.step);
      if (node === undefined) continue;
      const ended = new Invocation(
        saved.invocationId,
        node,
        saved.attempt,
        saved.parentInvocationId,
        null,
        saved.scope,
        undefined,
        undefined,
        now,
      );
      ended.lineage = saved.lineage;
      run.follow(ended);
    }
    const maps = new Map(frontier.maps.map((map) => [map.ownerInvocationId, map]));
    for (const saved of [...frontier.ready, ...frontier.inFlight]) {
      const node = nodes.get(saved.step);
      if (node === undefined) continue;
      const map = maps.get(saved.invocationId);
      const resumeMap =
        map === undefined
          ? undefined
          : { nextIndex: map.nextIndex, rerun: new Set(map.inFlight.map((item) => item.index)) };
      startResumed(node, saved, resumeMap, frontier.subs?.[saved.invocationId]);
    }
  });
  for (const saved of frontier.retrying ?? []) {
    const node = nodes.get(saved.step);
    if (node !== undefined) retryResumed(run, node, saved, stopSignal, startResumed);
  }
}

/** A retry that was waiting for its backoff: its attempt starts after the time that was left. */
function retryResumed(
  run: SchedulerPort,
  node: PlanNode,
  saved: FrontierRetry,
  stopSignal: AbortSignal,
  startResumed: StartResumed,
): void {
  const key = {};
  run.persistence?.waitingResumedRetry(key, saved, saved.remainingMs);
  run.hold();
  const again = () => {
    if (!run.stopping) {
      run.persistence?.retryStarted(key);
      startResumed(node, saved);
    }
    run.release();
  };
  if (saved.remainingMs <= 0) again();
  else sleep(run.clock, saved.remainingMs, stopSignal).then(again, again);
}
