/**
 * `justpipe/bullmq`: run a pipe's steps and map items in many worker processes through BullMQ
 * (an optional peer dependency, with ioredis). The calling process keeps the run loop; workers
 * import the same module that defines the pipe.
 *
 * @example
 * ```ts
 * import { bullmqExecutor, createWorker } from "justpipe/bullmq";
 * // the calling process
 * for await (const e of pipe.run(state, { executor: bullmqExecutor({ connection, queue: "jp" }) })) { … }
 * // each worker process
 * const worker = createWorker({ pipes: [pipe], connection, queue: "jp", concurrency: 16 });
 * // detached runs: workers given a store host the run loop; any process observes the run
 * const runId = await pipe.start(state, { executor: bullmqExecutor({ connection, queue: "jp" }), store });
 * createWorker({ pipes: [pipe], connection, queue: "jp", store });
 * for await (const e of pipe.observe(runId, { store })) { … }
 * ```
 *
 * @packageDocumentation
 */
export { v8Codec } from "./codec.js";
export { type BullmqExecutor, type BullmqExecutorOptions, bullmqExecutor } from "./executor.js";
export type { RedisConnection } from "./redis.js";
export { createWorker, type JustpipeWorker, type WorkerOptions } from "./worker.js";
