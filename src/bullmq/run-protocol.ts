// The wire format of detached runs (pipe.start): run jobs on a queue of their own, and the job ids
// of step tasks, stable across the run segments of one thread. Version 1.
import type { Queue } from "bullmq";
import type { DetachedRunRequest, StepTask } from "../index.js";

/** What a run job carries: the request of `pipe.start()`, and how the caller's executor routes steps. */
export interface RunJobData extends DetachedRunRequest {
  /** Protocol version. */
  readonly v: 1;
  /** The steps that run in workers (the caller's `steps` option), or every step. */
  readonly steps?: readonly string[];
  /** Tokens a worker may send for one step before the host reads them. */
  readonly window: number;
}

/** The queue run jobs go to: the step queue's name with `-runs` (BullMQ names cannot hold `:`). */
export function runQueueName(queue: string): string {
  return `${queue}-runs`;
}

/** A run job's id: one job per run, so starting it twice never makes two. */
export function runJobId(runId: string): string {
  return `run-${escapeId(runId)}`;
}

/**
 * A step task's job id, `"<thread>:<lineage>:<attempt>"`: the same for the task a resumed run runs
 * again as for the one the process before it dispatched, so the new host finds that job (queued,
 * running, or ended with its result in the run's stream) instead of dispatching it twice. The
 * thread part names the run's stream (`runIdOfJob`).
 */
export function stableJobId(task: StepTask): string {
  const { threadId, idempotencyKey } = task;
  // idempotencyKey is "<threadId>:<lineage>".
  const lineage = idempotencyKey.startsWith(`${threadId}:`)
    ? idempotencyKey.slice(threadId.length + 1)
    : `${task.runId}/${task.invocationId}`;
  return `${escapeId(threadId)}:${escapeId(lineage)}:${task.attempt}`;
}

/** Ids may hold any character but `:` (BullMQ allows exactly two, as separators): escaped, one to one. */
function escapeId(id: string): string {
  return id.replaceAll("%", "%25").replaceAll(":", "%3A");
}

/** Adds a run job (a no-op when the run's job exists). */
export async function enqueueRun(queue: Queue, data: RunJobData): Promise<void> {
  await queue.add(`run/${data.pipeName}`, data, {
    jobId: runJobId(data.runId),
    attempts: 1,
    removeOnComplete: true,
    removeOnFail: true,
  });
}
