import type {
  FailureKind,
  FailureSource,
  PipelineEndData,
  PipelineTerminalStatus,
} from "../events/outcome.js";
import type { EventType, NodeKind } from "../events/types.js";

/** A stored run's status: `"running"` until it ends, then its terminal status. */
export type RunStatus = "running" | PipelineTerminalStatus;

/**
 * One run segment as a store keeps it. A resume is a new segment: a new `runId`, the same
 * `threadId`, and `resumedFrom` set to the segment it continues. Times are ms since the epoch.
 * Fields that do not apply are `null`, so a record prints the same as JSON.
 */
export interface RunRecord {
  /** The run's id (random from its first character: a unique prefix finds it). */
  readonly runId: string;
  /** The id of the first run of its resume chain (its own id for a first run). */
  readonly threadId: string;
  /** The run segment this one continues, or `null`. */
  readonly resumedFrom: string | null;
  /** The run that started this one as a sub-pipeline, or `null`. */
  readonly parentRunId: string | null;
  /** The pipe's name. */
  readonly pipeName: string;
  /** The pipe's definition hash (`pipe.describe().hash`). */
  readonly pipeHash: string;
  /** `"running"`, or how it ended. */
  readonly status: RunStatus;
  /** When the run began. */
  readonly startedAt: number;
  /** When it ended, or `null` while running. */
  readonly endedAt: number | null;
  /** Its duration in milliseconds, or `null` while running. */
  readonly durationMs: number | null;
  /** The primary failure's phase, or `null` while running. */
  readonly failureKind: FailureKind | null;
  /** The primary failure's source, or `null` while running. */
  readonly failureSource: FailureSource | null;
  /** The step of the primary failure, or `null`. */
  readonly failedStep: string | null;
  /** The primary failure's message, or `null`. */
  readonly error: string | null;
  /** The step that suspended the run, or `null`. */
  readonly suspendedStep: string | null;
  /** The suspend reason, or `null`. */
  readonly suspendReason: string | null;
  /** The `FINISH` payload (metrics included; failure `cause`s are not stored), or `null`. */
  readonly end: PipelineEndData | null;
  /** Free-form labels, such as the module a command-line run came from (`{ module: "./pipe.ts" }`). */
  readonly labels: Readonly<Record<string, string>>;
  /** Who executes the run now (a lease holder), or `null`. */
  readonly owner: string | null;
  /** When the owner's lease expires; a `"running"` run with an expired lease has crashed. */
  readonly leaseUntil: number | null;
  /** The highest event `seq` stored for the run (0 before any). */
  readonly lastSeq: number;
  /** When the record last changed. */
  readonly updatedAt: number;
}

/**
 * A `PipeEvent` as stored: the same fields, with the payload and meta in JSON-safe form (thrown
 * errors as `{ name, message, stack, code, cause }`). A row of coalesced tokens has `coalesced`,
 * and its `payload` is the array of the tokens' payloads.
 */
export interface StoredEvent {
  /** The run the event belongs to. */
  readonly runId: string;
  /** Its position in the run's stream (1, 2, 3...); `(runId, seq)` is unique. */
  readonly seq: number;
  /** The event type. */
  readonly type: EventType;
  /** The step name, `"system"`, or `"<sub>:<child stage>"`. */
  readonly stage: string;
  /** ms since the epoch. */
  readonly timestamp: number;
  /** The run that produced it (a sub-pipeline's run for forwarded events). */
  readonly originRunId: string;
  /** The run that forwarded it, or `null`. */
  readonly parentRunId: string | null;
  /** What produced it. */
  readonly nodeKind: NodeKind;
  /** The step invocation, or `null`. */
  readonly invocationId: string | null;
  /** The invocation that caused this one, or `null`. */
  readonly parentInvocationId: string | null;
  /** The owning invocation, or `null`. */
  readonly ownerInvocationId: string | null;
  /** Attempt number within the retry lineage. */
  readonly attempt: number;
  /** Nesting path. */
  readonly scope: readonly string[];
  /** The event's meta, JSON-safe, or `null`. */
  readonly meta: Readonly<Record<string, unknown>> | null;
  /** The payload, JSON-safe (for coalesced tokens: the array of token payloads). */
  readonly payload: unknown;
  /**
   * Set on a row that holds several `TOKEN` events of one invocation: how many, and the `seq` of
   * the last (the row's own `seq` is the first's).
   */
  readonly coalesced?: { readonly count: number; readonly lastSeq: number };
}

/** A pipe's definition as stored once per hash: the CLI and the dashboard draw runs from it. */
export interface PipelineRecord {
  /** `pipe.describe().hash`. */
  readonly hash: string;
  /** The pipe's name. */
  readonly name: string;
  /** `pipe.describe()`, as JSON data. */
  readonly describe: Readonly<Record<string, unknown>>;
  /** When the store first saw this definition (ms since the epoch). */
  readonly firstSeen: number;
}

/** One line of `store.listPipelines()`: a stored definition and its runs. */
export interface PipelineSummary {
  /** The definition hash. */
  readonly hash: string;
  /** The pipe's name. */
  readonly name: string;
  /** When the store first saw it. */
  readonly firstSeen: number;
  /** Runs stored for this hash. */
  readonly runCount: number;
  /** When the newest of them started, or `null` when none. */
  readonly lastRunAt: number | null;
}
