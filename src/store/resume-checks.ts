import { ResumeMismatchError, RunNotResumableError } from "../errors/store-errors.js";
import type { Checkpoint } from "./checkpoint.js";
import type { RunRecord } from "./records.js";

/** What `resume()` may override when it checks a run. */
export interface ResumeChecks {
  /** Resume a failed, timed-out or cancelled run. */
  readonly retryFailed?: boolean;
  /** Resume though the pipe's definition changed. */
  readonly allowDefinitionChange?: boolean;
  /** The clock, for leases. */
  readonly now: number;
}

/**
 * Refuses a run that cannot be resumed, saying why and what to do: a successful run never; a
 * failed, timed-out or cancelled one only with `retryFailed`; a running one only once its
 * owner's lease has expired (its process died); a client-closed one like a failed one.
 *
 * @param run - the stored run.
 * @param checks - the caller's overrides and the clock.
 * @throws RunNotResumableError
 */
export function assertResumable(run: RunRecord, checks: ResumeChecks): void {
  const { runId, status } = run;
  if (status === "suspended") return;
  if (status === "success") {
    throw new RunNotResumableError(
      runId,
      status,
      `Run '${runId}' finished successfully; there is nothing to resume. Start a new run instead.`,
    );
  }
  if (status === "running") {
    if (run.owner !== null && run.leaseUntil !== null && run.leaseUntil > checks.now) {
      // Reported as a lock by the caller's claim; this is the message when it is not claimed.
      throw new RunNotResumableError(
        runId,
        status,
        `Run '${runId}' is still running in ${run.owner} (lease until ${new Date(run.leaseUntil).toISOString()}). Resume it only after that process died and its lease expired.`,
      );
    }
    return;
  }
  if (!checks.retryFailed) {
    throw new RunNotResumableError(
      runId,
      status,
      `Run '${runId}' ended with status '${status}'. Pass { retryFailed: true } to resume it from its last checkpoint (steps that had ended are not run again).`,
    );
  }
}

/** The nodes of a stored `describe()`: what the definition comparison reads. */
interface DescribedNodes {
  readonly nodes?: readonly { readonly name: string }[];
}

/**
 * The steps that differ between two `describe()` outputs: added, removed, or with other options
 * or targets, sorted.
 *
 * @param stored - the definition the run was stored with.
 * @param current - the resuming pipe's definition.
 */
export function changedSteps(stored: DescribedNodes, current: DescribedNodes): string[] {
  const before = new Map((stored.nodes ?? []).map((node) => [node.name, JSON.stringify(node)]));
  const after = new Map((current.nodes ?? []).map((node) => [node.name, JSON.stringify(node)]));
  const changed = new Set<string>();
  for (const [name, text] of before) if (after.get(name) !== text) changed.add(name);
  for (const name of after.keys()) if (!before.has(name)) changed.add(name);
  return [...changed].sort();
}

/**
 * Refuses to resume a run stored by another definition of the pipe unless `allowDefinitionChange`
 * is given; even then, every step the checkpoint would run must still exist.
 *
 * @param run - the stored run.
 * @param checkpoint - its checkpoint.
 * @param stored - the stored `describe()` of its definition (`undefined` when it is missing).
 * @param current - the resuming pipe's `describe()` (with its `hash`).
 * @param allowDefinitionChange - the caller's override.
 * @throws ResumeMismatchError
 */
export function assertSameDefinition(
  run: RunRecord,
  checkpoint: Checkpoint,
  stored: DescribedNodes | undefined,
  current: DescribedNodes & { readonly hash: string },
  allowDefinitionChange: boolean,
): void {
  if (checkpoint.pipeHash === current.hash) return;
  const steps = stored ? changedSteps(stored, current) : [];
  const names = new Set((current.nodes ?? []).map((node) => node.name));
  const { frontier } = checkpoint;
  const needed = [
    ...frontier.ready.map((invocation) => invocation.step),
    ...frontier.inFlight.map((invocation) => invocation.step),
    ...frontier.barriers.map((barrier) => barrier.target),
    ...(frontier.suspended ? [frontier.suspended.step] : []),
  ];
  const missing = [...new Set(needed.filter((step) => !names.has(step)))].sort();
  const list = steps.length > 0 ? steps.join(", ") : "(the stored definition is missing)";
  if (!allowDefinitionChange) {
    throw new ResumeMismatchError(
      run.runId,
      steps,
      `Run '${run.runId}' was stored by another definition of pipe '${run.pipeName}' (hash ${checkpoint.pipeHash}, now ${current.hash}); changed steps: ${list}. Pass { allowDefinitionChange: true } to resume it with this definition.`,
    );
  }
  if (missing.length > 0) {
    throw new ResumeMismatchError(
      run.runId,
      missing,
      `Run '${run.runId}' cannot resume with this definition of pipe '${run.pipeName}': its checkpoint continues at steps that no longer exist: ${missing.join(", ")}.`,
    );
  }
}
