import type { EventType } from "./types.js";

/** How a run ended: the `status` of the `FINISH` payload ({@link PipelineEndData}). */
export const PipelineTerminalStatus = {
  /**
   * Every step that started ended without an unhandled failure: errors recovered by `onError` and
   * runs ended by `Stop` count as success.
   */
  SUCCESS: "success",
  /** An unhandled failure: see `failureKind`, `failedStep` and `errors` on the `FINISH` payload. */
  FAILED: "failed",
  /** The run's `timeout` (`run(state, { timeout })`) elapsed. */
  TIMEOUT: "timeout",
  /** The run's `signal` (`run(state, { signal })`) aborted. */
  CANCELLED: "cancelled",
  /**
   * The consumer left the loop early (`break`, `return()`). Never delivered as an event: only
   * observers are told (`onPipelineEnd`).
   */
  CLIENT_CLOSED: "client_closed",
  /** A step returned `Suspend`: resume with `run(state, { start })`. */
  SUSPENDED: "suspended",
} as const;
/** One of the {@link PipelineTerminalStatus} values. */
export type PipelineTerminalStatus = (typeof PipelineTerminalStatus)[keyof typeof PipelineTerminalStatus];

/**
 * Which phase of a run failed. When a run records several failures, the primary one (reported on
 * `FINISH`) is the first in this order: `validation`, `startup`, `step`, `shutdown`, `infra`; the
 * earliest recorded wins a tie.
 */
export const FailureKind = {
  /** Nothing failed (statuses other than `failed`). */
  NONE: "none",
  /**
   * The definition could not run: the pipe has no steps. (An invalid definition throws a
   * `DefinitionError` instead of running.)
   */
  VALIDATION: "validation",
  /** A startup hook threw: no step ran and there was no `START`. */
  STARTUP: "startup",
  /** A step failed and no retry or error handler recovered it. */
  STEP: "step",
  /** A shutdown hook threw. */
  SHUTDOWN: "shutdown",
  /**
   * The machinery around the steps failed: an event hook threw or misbehaved, an internal error,
   * or a source classifier diagnostic (`classifier_error`).
   */
  INFRA: "infra",
} as const;
/** One of the {@link FailureKind} values. */
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/**
 * Whose code a failure came from, as attributed by the default rules or the Pipe's
 * `failureClassification` option.
 */
export const FailureSource = {
  /** Nothing failed. */
  NONE: "none",
  /** Your code: the default for errors thrown by steps and hooks. */
  USER_CODE: "user_code",
  /** justpipe itself: `validation` and `infra` failures, and classifier diagnostics. */
  FRAMEWORK: "framework",
  /**
   * A third-party dependency: a network error (`ECONNRESET`, `fetch failed`, ...) or an error whose
   * first stack frame is in an npm package matching `externalDependencyPrefixes` or
   * {@link DEFAULT_EXTERNAL_PREFIXES}.
   */
  EXTERNAL_DEP: "external_dep",
} as const;
/** One of the {@link FailureSource} values. */
export type FailureSource = (typeof FailureSource)[keyof typeof FailureSource];

/** Why a failure record was written, or (as `reason` on `FINISH`) why the run did not succeed. */
export const FailureReason = {
  /** A startup hook threw (kind `startup`). */
  STARTUP_HOOK_ERROR: "startup_hook_error",
  /** A step failed unhandled (kind `step`). */
  STEP_ERROR: "step_error",
  /** A shutdown hook threw (kind `shutdown`). */
  SHUTDOWN_HOOK_ERROR: "shutdown_hook_error",
  /**
   * The `sourceClassifier` threw, returned a Promise or returned an unknown source: a diagnostic
   * (kind `infra`) listed after the failures; the default source is kept.
   */
  CLASSIFIER_ERROR: "classifier_error",
  /** An event hook threw or returned something other than an event, or the runtime failed (kind `infra`). */
  INTERNAL_ERROR: "internal_error",
  /**
   * The run's store could not be written (kind `infra`): with `durability: "exit"` or `"step"` a
   * diagnostic (the run's status is unchanged); with `"sync"` the run fails.
   */
  PERSISTENCE_ERROR: "persistence_error",
  /** The run's `timeout` elapsed (the `reason` of a `timeout` `FINISH`). */
  TIMEOUT: "timeout",
  /** The run's `signal` aborted (the `reason` of a `cancelled` `FINISH`). */
  CANCELLED: "cancelled",
  /** The consumer left the loop early (the `reason` observers see for `client_closed`). */
  CLIENT_CLOSED: "client_closed",
  /** The pipe has no steps (kind `validation`). */
  NO_STEPS: "no_steps",
} as const;
/** One of the {@link FailureReason} values. */
export type FailureReason = (typeof FailureReason)[keyof typeof FailureReason];

/** One failure of a run, in the order it happened. */
export interface FailureRecord {
  /** The phase that failed. */
  readonly kind: FailureKind;
  /** Whose code failed. */
  readonly source: FailureSource;
  /** Why the record was written. */
  readonly reason: FailureReason;
  /** The error's message. */
  readonly error?: string;
  /** The step that failed, if any (`"<sub>:<child step>"` inside sub-pipelines). */
  readonly step?: string;
  /** The thrown value itself (not serialised by stores). */
  readonly cause?: unknown;
}

/**
 * Latency of one step name across a run: invocations closed by `STEP_END` (recovered ones
 * included), measured from `STEP_START` by the run's clock. Failed and cancelled invocations are
 * not counted.
 */
export interface StepTiming {
  /** Invocations that ended with `STEP_END`. */
  count: number;
  /** Sum of their durations, in milliseconds (`totalMs / count` is the mean). */
  totalMs: number;
  /** Shortest duration, in milliseconds. */
  minMs: number;
  /** Longest duration, in milliseconds. */
  maxMs: number;
  /** Median duration, in milliseconds (exact up to 512 invocations, then from a uniform sample). */
  p50Ms: number;
  /** 95th percentile duration, in milliseconds (sampled as `p50Ms`). */
  p95Ms: number;
}

/**
 * Counters collected while a run executes, attached to the `FINISH` payload as `metrics`. Durations
 * are in milliseconds by the run's clock.
 *
 * Every counter covers this run's own steps and events: events forwarded from a sub-pipeline are
 * not counted here; the child run's own `FINISH` (forwarded as `"<sub>:system"`) carries its
 * metrics.
 *
 * @example
 * ```ts
 * if (event.type === EventType.FINISH) {
 *   const { tasks, stepLatency } = event.payload.metrics ?? {};
 *   console.log(tasks?.peakActive, stepLatency?.["fetch"]?.maxMs);
 * }
 * ```
 */
export interface RuntimeMetrics {
  /** The run's event queue (see the `queueSize` option). */
  queue: {
    /** Largest number of events waiting for the consumer at once. */
    maxDepth: number;
  };
  /** Step invocations (one per `STEP_START`: retry attempts and map workers included). */
  tasks: {
    /** Invocations started. */
    started: number;
    /** Invocations closed (by `STEP_END`, `STEP_ERROR` or `CANCELLED`). */
    completed: number;
    /** Most invocations open at the same time. */
    peakActive: number;
  };
  /** Per step name: invocations that ended with `STEP_END`, and their durations. */
  stepLatency: Record<string, StepTiming>;
  /** Per join step with `barrierType: "all"`: its waves (one per round of parents arriving). */
  barriers: Record<
    string,
    {
      /** `BARRIER_WAIT` events: waves in which the join had to wait for a parent. */
      waits: number;
      /** `BARRIER_RELEASE` events: waves in which every parent arrived. */
      releases: number;
      /** Waves that hit the join's `barrierTimeout`. */
      timeouts: number;
      /** Sum of the released waves' wait times (`BARRIER_RELEASE` `durationMs`), in milliseconds. */
      totalWaitMs: number;
      /** Longest wait time of a released wave, in milliseconds. */
      maxWaitMs: number;
    }
  >;
  /** Map steps and their workers. */
  maps: {
    /** `MAP_START` events: maps whose items started to fan out. */
    mapsStarted: number;
    /** `MAP_COMPLETE` events: maps whose workers all ended. */
    mapsCompleted: number;
    /** Workers spawned by this run's maps (one `MAP_WORKER` each). */
    workersStarted: number;
    /** Most workers of one map running at once (bounded by its `maxConcurrency`). */
    peakWorkers: number;
  };
  /** Number of events emitted, by type, in `EventType` order (this run's own `FINISH` excluded: it carries the snapshot). */
  events: Partial<Record<EventType, number>>;
  /** `TOKEN` events (forwarded ones included). */
  tokens: number;
  /** Retries started: automatic ones (`retries` option) and those requested by returning `Retry`. */
  retries: number;
  /**
   * Re-executions of invocations whose worker process died (executors that run steps elsewhere,
   * such as `bullmqExecutor`); always 0 in process. Not counted in `retries`: `attempt` is unchanged.
   */
  infraRetries: number;
  /** `SUSPEND` events (forwarded ones included). */
  suspends: number;
}

/** The payload of the `FINISH` event: how the run ended and why. */
export interface PipelineEndData {
  /** The terminal status. */
  readonly status: PipelineTerminalStatus;
  /** Time from the start of the run (startup hooks included) to `FINISH`, in milliseconds. */
  readonly durationMs: number;
  /** The primary failure's message. */
  readonly error?: string;
  /** Why the run did not succeed. */
  readonly reason?: FailureReason;
  /** The primary failure's phase (`none` unless `failed`). */
  readonly failureKind: FailureKind;
  /** The primary failure's source (`none` unless `failed`). */
  readonly failureSource: FailureSource;
  /** The step of the primary failure. */
  readonly failedStep?: string;
  /** Every failure recorded, in order, then classifier diagnostics. */
  readonly errors: readonly FailureRecord[];
  /** Counters of the run (tasks, queue depth, step latency, barriers, maps, events, tokens, retries). */
  readonly metrics?: RuntimeMetrics;
}
