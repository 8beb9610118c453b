import { SubPipelineError } from "../errors/errors.js";
import { primaryFailure } from "../events/failure.js";
import type { PipelineEndData } from "../events/outcome.js";
import type { PipeEvent } from "../events/types.js";
import { ChildOutlet } from "./child-outlet.js";
import type { InlineChildRun } from "./child-runs.js";
import type { CompilablePipe, CompiledPipe } from "./compiled-pipe.js";
import type { Invocation } from "./invocation.js";
import type { SubRunLink } from "./persistence.js";
import { RunEvent } from "./run-event.js";
import { runPipe } from "./run-stream.js";
import type { SchedulerPort } from "./scheduler-port.js";

/**
 * Runs a sub-pipeline step's child run. A child that needs no consumer of its own (no observers,
 * no debug log, no store) runs inline: its events go straight to the run that must see them (see
 * `ChildOutlet`), so nesting costs the same per level however deep. Any other child runs as a
 * stream whose events this step forwards.
 */
export function startSub(run: SchedulerPort, invocation: Invocation, childState: unknown): void {
  // After Stop or Suspend a running sub step still finishes (its child run is part of it);
  // only an abort (failure, timeout, cancellation) keeps the child from starting.
  if (run.aborted) {
    run.cancelStep(invocation, "The run stopped before the sub-pipeline started");
    return;
  }
  const child = invocation.node.definition.pipeline!;
  const options = { context: run.ctx, signal: run.signalOf(invocation), clock: run.clock };
  const persistence = run.persistence;
  // A durable run's child runs as a stream (its progress goes into the parent's checkpoints), and
  // so does one that lacks the context it requires (its run() throws the error that says so).
  if (
    persistence === undefined &&
    !child._hasStore() &&
    !(child._requiresContext() && run.ctx === undefined)
  ) {
    let compiled: CompiledPipe | undefined;
    try {
      compiled = (child as unknown as CompilablePipe)._compile(undefined);
    } catch (error) {
      // As the stream would: its first `next()` throws.
      void Promise.resolve().then(() => settle(run, invocation, undefined, true, error, child.name));
      return;
    }
    if (compiled.observers.length === 0 && !compiled.debug) {
      const outlet = new ChildOutlet(run, invocation);
      const handle = run.runInline(compiled, childState, options, outlet);
      invocation.children = handle;
      run.children.add(handle);
      void awaitInline(run, invocation, handle, outlet, child.name);
      return;
    }
  }
  let stream: AsyncGenerator<PipeEvent>;
  if (persistence === undefined) stream = child.run(childState, options);
  else {
    // A durable run's child run is part of it: its progress goes into the parent's checkpoints,
    // and a resumed sub step continues it (its ended steps are not run again).
    const link: SubRunLink = { persistence: undefined, ended: undefined };
    invocation.subRun = link;
    const saved = invocation.resumeSub;
    let state = childState;
    if (saved !== undefined) {
      try {
        state = persistence.restoreSubState(saved, childState);
      } catch (error) {
        run.onControlError(invocation, error);
        return;
      }
    }
    const durable = persistence.childRun(link, child.name, saved?.frontier);
    stream = runPipe(
      child as unknown as CompilablePipe,
      state,
      options,
      durable,
    ) as AsyncGenerator<PipeEvent>;
  }
  invocation.children = stream;
  run.children.add(stream);
  void forward(run, invocation, stream, child.name);
}

async function awaitInline(
  run: SchedulerPort,
  invocation: Invocation,
  handle: InlineChildRun,
  outlet: ChildOutlet,
  pipeName: string,
) {
  let thrown: unknown;
  let failed = false;
  try {
    await handle.settled;
  } catch (error) {
    thrown = error;
    failed = true;
  } finally {
    run.children.delete(handle);
    invocation.children = undefined;
  }
  settle(run, invocation, outlet.end, failed, thrown, pipeName);
}

async function forward(
  run: SchedulerPort,
  invocation: Invocation,
  stream: AsyncGenerator<PipeEvent>,
  pipeName: string,
) {
  const prefix = invocation.node.name;
  const scope = [...invocation.scope, prefix];
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
      copy.parentInvocationId = event.parentInvocationId ?? invocation.id;
      copy.ownerInvocationId = event.ownerInvocationId ?? invocation.id;
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
    invocation.children = undefined;
  }
  settle(run, invocation, end, failed, thrown, pipeName);
}

/** The child run is over: the sub step ends as its child did. */
function settle(
  run: SchedulerPort,
  invocation: Invocation,
  end: PipelineEndData | undefined,
  failed: boolean,
  thrown: unknown,
  pipeName: string,
): void {
  if (invocation.closed) return;
  run.clearStepTimer(invocation);
  if (invocation.pendingError !== undefined) {
    run.onError(invocation, invocation.pendingError);
    return;
  }
  if (failed) {
    run.onControlError(invocation, thrown);
    return;
  }
  if (
    end === undefined ||
    end.status === "cancelled" ||
    end.status === "timeout" ||
    end.status === "client_closed"
  ) {
    run.cancelStep(invocation, `Sub-pipeline '${pipeName}' ended with status ${end?.status ?? "unknown"}`);
    return;
  }
  if (end.status === "failed") {
    const primary = primaryFailure(end);
    run.onError(
      invocation,
      new SubPipelineError(
        invocation.node.name,
        pipeName,
        end.failedStep ?? end.failureKind,
        end.error ?? "failed",
        {
          cause: primary?.cause,
          failureSource: end.failureSource,
        },
      ),
    );
    return;
  }
  if (end.status === "suspended") {
    // A resume continues the child after its suspended step (the parent's exit checkpoint holds it).
    run.persistence?.interrupted(invocation);
    run.endStep(invocation);
    run.suspend();
  } else {
    run.endStep(invocation);
    run.follow(invocation);
  }
}
