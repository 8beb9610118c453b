import { Redis } from "ioredis";
import type { ExecutorMessage, Pipe, StepExecutor, StepTask } from "justpipe";

let invocations = 0;

/** A task as the run loop would build it (for driving an executor directly). */
export function taskOf(
  pipe: Pipe<any, any>,
  step: string,
  options: {
    state?: unknown;
    item?: unknown;
    runId?: string;
    invocationId?: string;
    attempt?: number;
    deadline?: number;
  } = {},
): StepTask {
  const invocationId = options.invocationId ?? `inv${++invocations}`;
  const attempt = options.attempt ?? 1;
  const runId = options.runId ?? "run1";
  return {
    pipeName: pipe.name,
    pipeHash: pipe.hash(),
    step,
    kind: "step",
    runId,
    threadId: runId,
    invocationId,
    attempt,
    // As runs build it: "<threadId>:<lineage>" (the job id adds the attempt).
    idempotencyKey: `${runId}:${invocationId}`,
    item: options.item,
    state: options.state ?? { results: {}, log: [], counter: 0 },
    deadline: options.deadline,
    stateEpoch: invocations,
    invoke: () => {
      throw new Error("remote executors never call invoke");
    },
  };
}

/** Every message of one task. */
export async function drain(
  executor: StepExecutor,
  task: StepTask,
  signal: AbortSignal = new AbortController().signal,
): Promise<ExecutorMessage[]> {
  const messages: ExecutorMessage[] = [];
  for await (const message of executor.execute(task, signal)) messages.push(message);
  return messages;
}

/** The keys under a prefix (to prove nothing is left behind). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url);
  try {
    return await redis.keys(`${prefix}:*`);
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under a prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
