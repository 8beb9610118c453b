import type { PlanNode } from "../graph/plan.js";
import type { Invocation } from "./invocation.js";
import type { SchedulerPort } from "./scheduler-port.js";

/** What following a step's edges needs from its run. */
export type TransitionHost = Pick<
  SchedulerPort,
  "stopping" | "compiled" | "startTogether" | "startSuccessor" | "joins" | "persistence"
>;

/** Starts the static successors of a completed invocation (siblings start as one wave). */
export function follow(run: TransitionHost, invocation: Invocation): void {
  if (run.stopping) {
    // A durable run remembers it, so a resume starts these successors.
    run.persistence?.unfollowed(invocation);
    return;
  }
  const successors = invocation.node.successors;
  if (successors.length === 0) return;
  const nodes = run.compiled.plan.nodes;
  if (successors.length === 1) {
    reach(run, nodes.get(successors[0]!)!, invocation.node.name, false, invocation);
    return;
  }
  run.startTogether(() => {
    for (let i = 0; i < successors.length; i++)
      reach(run, nodes.get(successors[i]!)!, invocation.node.name, false, invocation);
  });
}

/** Prunes a step's static successors: joins below it learn this branch will not come. */
export function skipSuccessors(run: TransitionHost, node: PlanNode, from: Invocation): void {
  if (run.stopping) return;
  const nodes = run.compiled.plan.nodes;
  for (const name of node.successors) reach(run, nodes.get(name)!, node.name, true, from);
}

/** A parent of `node` ended (`skipped` when its branch was pruned): start `node` when its barrier allows. */
function reach(
  run: TransitionHost,
  node: PlanNode,
  parent: string,
  skipped: boolean,
  from: Invocation,
): void {
  if (node.join !== null) run.joins.arrive(node, parent, skipped, from);
  else if (skipped) skipSuccessors(run, node, from);
  else run.startSuccessor(node, from);
}
