import type { Queue } from "bullmq";
import type { JobChannel, RunStream } from "./run-stream.js";

/**
 * For a task of a run taken over from a dead host: whether its job was dispatched before, so the
 * task attaches to it instead of adding it again. True when the job is still in the queue (waiting,
 * delayed or running: its messages will come), or when it is gone but its result or error is in the
 * run's stream (a worker writes the result before its job completes and is removed, so once the
 * job is gone, reading the stream up to now finds the result if there was one).
 *
 * @param queue - the step queue.
 * @param stream - the run's stream (a kept one: entries read before the task opened are kept).
 * @param channel - the task's channel, already open.
 * @param jobId - the task's job id.
 */
export async function alreadyDispatched(
  queue: Queue,
  stream: RunStream,
  channel: JobChannel,
  jobId: string,
): Promise<boolean> {
  const state = await queue.getJobState(jobId);
  if (state !== "unknown") return true;
  await stream.caughtUp();
  return channel.settled;
}
