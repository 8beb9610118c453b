import { SubPipelineError } from "../errors/errors.js";
import { primaryFailure } from "../events/failure.js";
import type { PipeEvent, PipelineEndData } from "../events/types.js";
import type { Invocation } from "./invocation.js";
import { RunEvent } from "./run-event.js";
import type { SchedulerPort } from "./scheduler-port.js";

/** Runs a sub-pipeline step's child run and forwards its events. */
export function startSub(run: SchedulerPort, inv: Invocation, childState: unknown): void {
  // After Stop or Suspend a running sub step still finishes (its child run is part of it);
  // only an abort (failure, timeout, cancellation) keeps the child from starting.
  if (run.aborted) {
    run.cancelStep(inv, "The run stopped before the sub-pipeline started");
    return;
  }
  const child = inv.node.definition.pipeline!;
  const stream = child.run(childState, { context: run.ctx, signal: run.signalOf(inv), clock: run.clock });
  inv.children = stream;
  run.children.add(stream);
  void forward(run, inv, stream, child.name);
}

async function forward(
  run: SchedulerPort,
  inv: Invocation,
  stream: AsyncGenerator<PipeEvent>,
  pipeName: string,
) {
  const prefix = inv.node.name;
  const scope = [...inv.scope, prefix];
  let end: PipelineEndData | undefined;
  let thrown: unknown;
  let failed = false;
  try {
    for await (const event of stream) {
      if (event.type === "finish" && event.parentRunId === null) end = event.payload;
      const copy = new RunEvent(
        event.type,
        `${prefix}:${event.stage}`,
        event.payload,
        event.timestamp,
        event.runId,
        event.nodeKind,
        null,
        0,
      );
      copy.originRunId = event.originRunId;
      copy.parentRunId = event.runId;
      copy.invocationId = event.invocationId;
      copy.parentInvocationId = event.parentInvocationId ?? inv.id;
      copy.ownerInvocationId = event.ownerInvocationId ?? inv.id;
      copy.attempt = event.attempt;
      copy.scope = [...scope, ...event.scope];
      copy.meta = event.meta;
      run.forward(copy);
      if (run.queue.full) await run.queue.waitForSpace();
    }
  } catch (error) {
    thrown = error;
    failed = true;
  } finally {
    run.children.delete(stream);
    inv.children = undefined;
  }
  if (inv.closed) return;
  run.clearStepTimer(inv);
  if (inv.pendingError !== undefined) {
    run.onError(inv, inv.pendingError);
    return;
  }
  if (failed) {
    run.onControlError(inv, thrown);
    return;
  }
  if (
    end === undefined ||
    end.status === "cancelled" ||
    end.status === "timeout" ||
    end.status === "client_closed"
  ) {
    run.cancelStep(inv, `Sub-pipeline '${pipeName}' ended with status ${end?.status ?? "unknown"}`);
    return;
  }
  if (end.status === "failed") {
    const primary = primaryFailure(end);
    run.onError(
      inv,
      new SubPipelineError(prefix, pipeName, end.failedStep ?? end.failureKind, end.error ?? "failed", {
        cause: primary?.cause,
        failureSource: end.failureSource,
      }),
    );
    return;
  }
  run.endStep(inv);
  if (end.status === "suspended") run.suspend();
  else run.follow(inv);
}
