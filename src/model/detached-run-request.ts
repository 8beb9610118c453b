/**
 * What `pipe.start()` hands to an executor that hosts run loops elsewhere (`StepExecutor.startRun`):
 * plain data naming the run, its pipe and its definition. The run's state and first checkpoint
 * are already in the store; the host continues the run from there.
 */
export interface DetachedRunRequest {
  /** The run's id (its record exists in the store, status `"running"`, no owner yet). */
  readonly runId: string;
  /** The pipe's name (the host finds the pipe by it). */
  readonly pipeName: string;
  /** The pipe's `hash()`: a host with another definition fails the run (failure kind `infra`). */
  readonly pipeHash: string;
  /** The name of the codec the state was stored with (the host must use the same). */
  readonly codec: string;
  /** `"step"` or `"sync"`: how often the host writes checkpoints. */
  readonly durability: "step" | "sync";
  /** The run's timeout (ms), counted from when a host starts it. */
  readonly timeout?: number;
  /** The run's lease length (ms): how long a dead host holds the run before another takes it over. */
  readonly leaseTtl?: number;
  /** How tokens are stored. */
  readonly tokens?: "coalesced" | "all" | "none";
}
