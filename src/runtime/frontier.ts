// How a run's progress becomes a checkpoint's frontier: plain data from the live invocations.
import type { PlanNode } from "../graph/plan.js";
import type { FrontierInvocation, FrontierMap, SubRunCheckpoint } from "../store/checkpoint.js";
import type { Codec } from "../store/codec.js";
import type { Invocation } from "./invocation.js";
import type { MapDriver } from "./map.js";

/** An invocation in its checkpoint form (internal: the scheduler's resume uses it too). */
export const toFrontier = (invocation: Invocation): FrontierInvocation => ({
  step: invocation.node.name,
  invocationId: invocation.id,
  parentInvocationId: invocation.parentInvocationId,
  ownerInvocationId: invocation.ownerInvocationId === invocation.id ? null : invocation.ownerInvocationId,
  scope: invocation.scope,
  attempt: invocation.attempt,
  lineage: invocation.lineage,
});

/**
 * The progress of the open maps: the next item index and the items whose workers have not ended
 * (running, or waiting for a retry), bounded by each map's `maxConcurrency`.
 */
export function mapProgress(open: readonly Invocation[]): FrontierMap[] {
  const maps: FrontierMap[] = [];
  for (const owner of open) {
    if (owner.node.kind !== "map" || owner.children === undefined) continue;
    const driver = owner.children as MapDriver;
    maps.push({
      ownerInvocationId: owner.id,
      owner: owner.node.name,
      target: driver.worker.name,
      nextIndex: driver.index,
      doneAbove: [],
      inFlight: [...driver.running].sort((a, b) => a - b).map((index) => ({ index, item: null })),
    });
  }
  return maps;
}

/** A step reached from `from` that has not started, in its checkpoint form. */
export function successorOf(node: PlanNode, from: Invocation): FrontierInvocation {
  return { ...toFrontier(from), step: node.name, lineage: `${from.lineage}>${node.name}`, attempt: 1 };
}

/**
 * The progress of the child runs of the sub steps among `invocations` (in flight, or at exit the
 * ones cut short or suspended), or `undefined` when there are none. A child whose state cannot be
 * encoded is left out: its sub step then runs again whole.
 */
export function subProgress(
  invocations: readonly Invocation[],
  atExit: boolean,
): Record<string, SubRunCheckpoint> | undefined {
  let subs: Record<string, SubRunCheckpoint> | undefined;
  for (const invocation of invocations) {
    const link = invocation.subRun;
    if (invocation.node.kind !== "sub" || link === undefined) continue;
    let progress = link.ended;
    if (progress === undefined && link.persistence !== undefined) {
      try {
        progress = link.persistence.subCheckpoint(atExit);
      } catch {
        progress = undefined;
      }
    }
    if (progress !== undefined) (subs ??= {})[invocation.id] = progress;
  }
  return subs;
}

/**
 * The state a resumed sub step's child run continues with: the stored child state, copied onto
 * the state the sub step's handler just built (`fresh`), so a child state that is part of the
 * parent's state stays that same object. Throws the codec's error.
 *
 * @param codec - the run's codec.
 * @param saved - the child's progress from the checkpoint.
 * @param fresh - what the sub step's handler returned this time.
 */
export function restoredSubState(codec: Codec, saved: SubRunCheckpoint, fresh: unknown): unknown {
  const data = saved.base64 === true ? new Uint8Array(Buffer.from(saved.state, "base64")) : saved.state;
  const restored = codec.decode(data);
  if (typeof fresh === "object" && fresh !== null && typeof restored === "object" && restored !== null) {
    Object.assign(fresh, restored);
    return fresh;
  }
  return restored;
}
