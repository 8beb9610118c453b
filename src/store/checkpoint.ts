/**
 * One step invocation in a checkpoint's frontier: enough to schedule it again in a new process.
 * Lineage fields are the ones its events carry.
 */
export interface FrontierInvocation {
  /** The step to run. */
  readonly step: string;
  /** Its invocation id in the run that wrote the checkpoint. */
  readonly invocationId: string;
  /** The invocation that caused it, or `null`. */
  readonly parentInvocationId: string | null;
  /** The owning invocation (a map or sub owner), or `null` for a plain step. */
  readonly ownerInvocationId: string | null;
  /** Nesting path (`["work[3]"]` for a map worker). */
  readonly scope: readonly string[];
  /** Attempt number within its retry lineage. */
  readonly attempt: number;
  /** The id of its retry lineage (stable across attempts and re-runs: the `idempotencyKey` base). */
  readonly lineage: string;
  /** The step whose jump or `to` scheduled it, if any (a join counts it as that parent's arrival). */
  readonly from?: string;
}

/** A join's barrier as a checkpoint keeps it: which parents have arrived in the current wave. */
export interface FrontierBarrier {
  /** The join step. */
  readonly target: string;
  /** `"all"` or `"any"`. */
  readonly type: "all" | "any";
  /** Parents that have arrived. */
  readonly arrived: readonly string[];
  /** Parents whose branches were pruned (skipped) in this wave. */
  readonly pruned?: readonly string[];
  /** When the first arrived (ms since the epoch). */
  readonly waitingSince: number;
}

/**
 * A map in progress. Items below `nextIndex` that are neither in `inFlight` nor above the window
 * are done; `doneAbove` lists the out-of-order completions inside the window, so the checkpoint
 * stays bounded by `maxConcurrency`, not by the item count.
 */
export interface FrontierMap {
  /** The map step's invocation. */
  readonly ownerInvocationId: string;
  /** The map step. */
  readonly owner: string;
  /** Its worker step (`each`). */
  readonly target: string;
  /** The index of the next item to pull from the source. */
  readonly nextIndex: number;
  /** Items below `nextIndex` completed out of order while earlier ones were still running. */
  readonly doneAbove: readonly number[];
  /** Items whose workers had started and not ended: they run again on resume. */
  readonly inFlight: readonly { readonly index: number; readonly item: unknown }[];
  /** The item count, when the source's size was known. */
  readonly itemCount?: number;
}

/**
 * A plain step waiting for its retry backoff when the checkpoint was written: on resume its next
 * attempt starts once the backoff that was left has passed.
 */
export interface FrontierRetry extends FrontierInvocation {
  /** The backoff still to wait (ms) when the checkpoint was written. */
  readonly remainingMs: number;
}

/**
 * A sub-pipeline's child run as its parent's checkpoint keeps it: the child's state and progress.
 * A resumed parent continues the child from here, so the child steps that had ended are not run
 * again.
 */
export interface SubRunCheckpoint {
  /** The child pipe's name. */
  readonly pipeName: string;
  /** The name of the codec that encoded `state` (the parent's). */
  readonly codec: string;
  /** The child's encoded state (base64 when the codec made bytes, see `base64`). */
  readonly state: string;
  /** True when `state` is the base64 text of the codec's bytes. */
  readonly base64?: boolean;
  /** True when nothing was in flight in the child. */
  readonly quiescent: boolean;
  /** The child run's progress (its own `subs` for deeper nesting). */
  readonly frontier: Frontier;
}

/**
 * A run's progress as plain data (no functions, no state): what was ready, in flight, waiting at
 * joins and inside maps when the checkpoint was written. The CLI and the dashboard read it.
 */
export interface Frontier {
  /**
   * Invocations that ended (or suspended) but whose successors had not started: on resume their
   * `to` successors start (a suspended step is never run again).
   */
  readonly completed?: readonly FrontierInvocation[];
  /** Invocations scheduled but not started (a jump or successor reached while the run stopped). */
  readonly ready: readonly FrontierInvocation[];
  /** Invocations started and not ended: re-run on resume (at-least-once). */
  readonly inFlight: readonly FrontierInvocation[];
  /** Joins with some parents arrived. */
  readonly barriers: readonly FrontierBarrier[];
  /** Maps in progress. */
  readonly maps: readonly FrontierMap[];
  /** Runs so far per retry lineage, so `maxRetries` holds across a crash. */
  readonly attempts: Readonly<Record<string, number>>;
  /** Set when the run suspended: the first suspended step, its invocation and the reason. */
  readonly suspended?: {
    readonly step: string;
    readonly invocationId: string;
    readonly reason: string;
    readonly at: number;
  };
  /** Plain steps waiting for a retry's backoff (their next attempt). */
  readonly retrying?: readonly FrontierRetry[];
  /** Sub-pipeline child runs in progress: the sub step's invocation id -> the child's progress. */
  readonly subs?: Readonly<Record<string, SubRunCheckpoint>>;
}

/** Why a checkpoint was written. */
export type CheckpointReason = "suspend" | "finish" | "failure" | "step";

/**
 * A run's resumable snapshot: the encoded state and the {@link Frontier}. A store keeps the
 * latest per run; `loadCheckpoint` returns the newest of a resume chain.
 */
export interface Checkpoint {
  /** Format version (1). */
  readonly v: 1;
  /** The run segment that wrote it. */
  readonly runId: string;
  /** The first run of its resume chain. */
  readonly threadId: string;
  /** The pipe's definition hash when written; checked on resume. */
  readonly pipeHash: string;
  /** The last event `seq` it covers. */
  readonly seq: number;
  /** When it was written (ms since the epoch). */
  readonly writtenAt: number;
  /** Why it was written. */
  readonly reason: CheckpointReason;
  /** True when nothing was in flight, so the state is exact (no half-done step mutations). */
  readonly quiescent: boolean;
  /** The name of the codec that encoded `state` (`"json"` by default). */
  readonly codec: string;
  /** The encoded state. */
  readonly state: string | Uint8Array;
  /** The run's progress. */
  readonly frontier: Frontier;
}
