/**
 * Every kind of event a run can emit. Values are the snake_case strings of the Python original,
 * so logs and stored runs read the same in both ports. {@link EventPayloadMap} gives each type's payload.
 *
 * @example
 * ```ts
 * for await (const event of pipe.run(state)) {
 *   if (event.type === EventType.TOKEN) process.stdout.write(String(event.payload));
 * }
 * ```
 */
export const EventType = {
  /** The run began, after the startup hooks and before the first step. Payload: the run's state. */
  START: "start",
  /**
   * The run ended: always the last event, exactly once per run (none after a client close).
   * Payload: {@link PipelineEndData}.
   */
  FINISH: "finish",
  /**
   * A step returned a `Suspend`. Payload: {@link SuspendPayload}. The run then ends with `FINISH`
   * status `suspended` once the steps already running have ended.
   */
  SUSPEND: "suspend",
  /**
   * The run's `timeout` elapsed (stage `system`). Payload: {@link ReasonPayload}. Running steps are
   * then closed by `CANCELLED`, and `FINISH` has status `timeout`.
   */
  TIMEOUT: "timeout",
  /**
   * With stage `system`: the run's `signal` aborted, and `FINISH` will have status `cancelled`.
   * With a step's stage: closes a step invocation that the run stopped before it could end (run
   * timeout or cancellation, a failure elsewhere, nothing new starting after `Stop`).
   * Payload: {@link ReasonPayload}.
   */
  CANCELLED: "cancelled",
  /**
   * A step invocation began. No payload. Each retry attempt and each map worker is its own
   * invocation, closed later by exactly one `STEP_END`, `STEP_ERROR` or `CANCELLED` with the same
   * `invocationId`.
   */
  STEP_START: "step_start",
  /**
   * A step invocation completed, or an error handler recovered it. No payload; `meta` carries the
   * step's meta.
   */
  STEP_END: "step_end",
  /**
   * A step invocation failed (`retrying: true` when it will run again). Also emitted with stage
   * `startup` or `shutdown` when a lifecycle hook throws, and with stage `system` when the pipe has
   * no steps. Payload: {@link StepErrorPayload}.
   */
  STEP_ERROR: "step_error",
  /** A value yielded by a streaming step (an async generator). Payload: the yielded value. */
  TOKEN: "token",
  /**
   * The first parent of a join with `barrierType: "all"` arrived and others are still running.
   * Payload: {@link BarrierWaitPayload}.
   */
  BARRIER_WAIT: "barrier_wait",
  /**
   * Every parent of a join with `barrierType: "all"` arrived; the join starts next.
   * Payload: {@link BarrierReleasePayload}.
   */
  BARRIER_RELEASE: "barrier_release",
  /** A map step's handler returned its items; workers start next. Payload: {@link MapStartPayload}. */
  MAP_START: "map_start",
  /**
   * A map worker was spawned for one item, just before the worker's `STEP_START`.
   * Payload: {@link MapWorkerPayload}.
   */
  MAP_WORKER: "map_worker",
  /**
   * Every worker of a map step has ended; the map's `STEP_END` follows, then its `to`.
   * Payload: {@link MapCompletePayload}.
   */
  MAP_COMPLETE: "map_complete",
  /** Declared for parity with the original; never emitted. */
  STATE_CHANGE: "state_change",
} as const;
/** One of the {@link EventType} values. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What produced an event (its `nodeKind`): a kind of step, a join's barrier, or the runtime itself. */
export const NodeKind = {
  /**
   * The runtime: `START`, `FINISH`, `TIMEOUT`, a run-level `CANCELLED`, and the `STEP_ERROR` of a
   * failed lifecycle hook.
   */
  SYSTEM: "system",
  /** A step registered with `pipe.step` (map workers included, when the worker is a plain step). */
  STEP: "step",
  /** A step registered with `pipe.map`: its own step events and `MAP_START`/`MAP_WORKER`/`MAP_COMPLETE`. */
  MAP: "map",
  /** A step registered with `pipe.switch`. */
  SWITCH: "switch",
  /** A step registered with `pipe.sub` (forwarded child events keep their own `nodeKind`). */
  SUB: "sub",
  /** A join's barrier: `BARRIER_WAIT` and `BARRIER_RELEASE`. */
  BARRIER: "barrier",
} as const;
/** One of the {@link NodeKind} values. */
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

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
  /** Reserved for definition problems found while running (kind `validation`); not written today. */
  VALIDATION_ERROR: "validation_error",
  /**
   * The `sourceClassifier` threw, returned a Promise or returned an unknown source: a diagnostic
   * (kind `infra`) listed after the failures; the default source is kept.
   */
  CLASSIFIER_ERROR: "classifier_error",
  /** An event hook threw or returned something other than an event, or the runtime failed (kind `infra`). */
  INTERNAL_ERROR: "internal_error",
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

/** The payload of `STEP_ERROR`: a step attempt (or a lifecycle hook) failed. */
export interface StepErrorPayload {
  /** The error's message. */
  readonly message: string;
  /** The thrown value. */
  readonly error: unknown;
  /**
   * True when this attempt failed but the step will run again (automatic `retries`, or an error
   * handler returned `Retry`); false when the failure is final.
   */
  readonly retrying: boolean;
}
/** The payload of `SUSPEND`. */
export interface SuspendPayload {
  /** The `reason` given to `new Suspend({ reason })` (`"suspended"` when none was given). */
  readonly reason: string;
  /** The step that suspended: pass it as `run(state, { start })` to resume there. */
  readonly step: string;
}
/** The payload of `MAP_START`. */
export interface MapStartPayload {
  /** The worker step (the map's `each`). */
  readonly target: string;
  /**
   * Number of items, when the source's size is known up front (an array, a `Set` or a `Map`);
   * absent for iterators and async iterables, which are pulled lazily.
   */
  readonly itemCount?: number;
}
/** The payload of `MAP_WORKER`. */
export interface MapWorkerPayload {
  /** The item's position in the source, from 0; the worker's `scope` ends with `"<target>[<index>]"`. */
  readonly index: number;
  /** The worker step (the map's `each`). */
  readonly target: string;
  /** The map step that spawned the worker. */
  readonly owner: string;
}
/** The payload of `MAP_COMPLETE`. */
export interface MapCompletePayload {
  /** The worker step (the map's `each`). */
  readonly target: string;
  /** Number of items pulled from the source, which is the number of workers spawned. */
  readonly itemCount: number;
}
/** The payload of `BARRIER_WAIT`. */
export interface BarrierWaitPayload {
  /** Parents that have not arrived yet. */
  readonly waitingFor: readonly string[];
}
/** The payload of `BARRIER_RELEASE`. */
export interface BarrierReleasePayload {
  /** Time from the first parent's arrival to the release, in milliseconds (by the run's clock). */
  readonly durationMs: number;
}
/** The payload of `TIMEOUT` and `CANCELLED`. */
export interface ReasonPayload {
  /**
   * A human-readable explanation, such as `"Run exceeded its timeout of 500 ms"` or
   * `"Run cancelled: <the signal's reason>"`; meant for logs, not for branching.
   */
  readonly reason: string;
}

/**
 * The payload type of each event type: `EventPayloadMap[EventType.FINISH]` is
 * {@link PipelineEndData}. Checking `event.type` narrows `event.payload` to the matching entry.
 *
 * @typeParam State - the run's state, which is the payload of `START`.
 */
export interface EventPayloadMap<State = unknown> {
  /** The run's state: the object passed to `run()`, by reference. */
  start: State;
  /** How the run ended. */
  finish: PipelineEndData;
  /** Why the run paused, and where to resume. */
  suspend: SuspendPayload;
  /** Why the run timed out. */
  timeout: ReasonPayload;
  /** Why the run, or one step invocation, was cancelled. */
  cancelled: ReasonPayload;
  /** No payload. */
  step_start: undefined;
  /** No payload (the step's meta is on the event's `meta`). */
  step_end: undefined;
  /** The failure. */
  step_error: StepErrorPayload;
  /** The value the streaming step yielded. */
  token: unknown;
  /** The parents the join still waits for. */
  barrier_wait: BarrierWaitPayload;
  /** How long the join waited. */
  barrier_release: BarrierReleasePayload;
  /** The worker step and, when known, the item count. */
  map_start: MapStartPayload;
  /** One spawned worker. */
  map_worker: MapWorkerPayload;
  /** The worker step and the item count. */
  map_complete: MapCompletePayload;
  /** Never emitted. */
  state_change: unknown;
}

/** Fields every event has. */
export interface BaseEvent<T extends EventType, P> {
  /** The event type; checking it narrows `payload`. */
  readonly type: T;
  /**
   * Where the event comes from: the step name, `"system"` for the run itself,
   * `"startup"`/`"shutdown"` for hooks, `"<sub>:<child stage>"` when forwarded from a sub-pipeline.
   */
  readonly stage: string;
  /** Type-specific data. */
  readonly payload: P;
  /** Milliseconds since the epoch when the event was created. */
  readonly timestamp: number;
  /** The run this stream belongs to. */
  readonly runId: string;
  /** The run that produced the event (a sub-pipeline's run for forwarded events). */
  readonly originRunId: string;
  /** The run that forwarded the event into this stream; `null` for the stream's own events. */
  readonly parentRunId: string | null;
  /** 1, 2, 3... in delivery order within one stream. */
  readonly seq: number;
  /** What produced the event. */
  readonly nodeKind: NodeKind;
  /** The step invocation this event belongs to (`"<runId>:<n>"`), or `null`. */
  readonly invocationId: string | null;
  /** The invocation that caused this one (a jump, retry, map or sub owner), or `null`. */
  readonly parentInvocationId: string | null;
  /** The invocation that owns this one (itself for plain steps; the map/sub owner for children). */
  readonly ownerInvocationId: string | null;
  /** Attempt number within one retry lineage: 1, 2, 3... */
  readonly attempt: number;
  /** Nesting path: `["work[3]"]` for a map worker, `["sub", ...]` for forwarded events. */
  readonly scope: readonly string[];
  /**
   * On a step's `STEP_END`, `STEP_ERROR` and `CANCELLED`: what the step wrote to `meta.step`
   * (`data`, `tags`, `metrics`, `counters`) plus `framework: { durationMs, attempt, status }`.
   * On `FINISH`: what steps wrote to `meta.run`, or `null` when nothing was. Otherwise `null`.
   */
  readonly meta: Readonly<Record<string, unknown>> | null;
}

/**
 * Any event of a run: a union discriminated by `type`.
 *
 * @example
 * ```ts
 * for await (const event of pipe.run(state)) {
 *   if (event.type === EventType.FINISH) console.log(event.payload.status);
 * }
 * ```
 */
export type PipeEvent<State = unknown> = {
  [K in EventType]: BaseEvent<K, EventPayloadMap<State>[K]>;
}[EventType];

/**
 * The event of one given type, with its payload typed.
 *
 * @example
 * ```ts
 * function onFinish(event: EventOf<typeof EventType.FINISH>) {
 *   console.log(event.payload.status);
 * }
 * ```
 */
export type EventOf<T extends EventType, State = unknown> = Extract<
  PipeEvent<State>,
  {
    /** The event type to select. */
    type: T;
  }
>;
