/**
 * Every kind of event a run can emit. Values are the snake_case strings of the Python original,
 * so logs and stored runs read the same in both ports.
 */
export const EventType = {
  START: "start",
  FINISH: "finish",
  SUSPEND: "suspend",
  TIMEOUT: "timeout",
  CANCELLED: "cancelled",
  STEP_START: "step_start",
  STEP_END: "step_end",
  STEP_ERROR: "step_error",
  TOKEN: "token",
  BARRIER_WAIT: "barrier_wait",
  BARRIER_RELEASE: "barrier_release",
  MAP_START: "map_start",
  MAP_WORKER: "map_worker",
  MAP_COMPLETE: "map_complete",
  /** Declared for parity with the original; never emitted. */
  STATE_CHANGE: "state_change",
} as const;
/** One of the {@link EventType} values. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/** What produced an event: a kind of step, or the runtime itself. */
export const NodeKind = {
  SYSTEM: "system",
  STEP: "step",
  MAP: "map",
  SWITCH: "switch",
  SUB: "sub",
  BARRIER: "barrier",
} as const;
/** One of the {@link NodeKind} values. */
export type NodeKind = (typeof NodeKind)[keyof typeof NodeKind];

/** How a run ended. */
export const PipelineTerminalStatus = {
  SUCCESS: "success",
  FAILED: "failed",
  TIMEOUT: "timeout",
  CANCELLED: "cancelled",
  CLIENT_CLOSED: "client_closed",
  /** A step returned `Suspend`: resume with `run(state, { start })`. */
  SUSPENDED: "suspended",
} as const;
/** One of the {@link PipelineTerminalStatus} values. */
export type PipelineTerminalStatus = (typeof PipelineTerminalStatus)[keyof typeof PipelineTerminalStatus];

/** Which phase of a run failed. Lower values win when several failures are recorded. */
export const FailureKind = {
  NONE: "none",
  VALIDATION: "validation",
  STARTUP: "startup",
  STEP: "step",
  SHUTDOWN: "shutdown",
  INFRA: "infra",
} as const;
/** One of the {@link FailureKind} values. */
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** Whose code a failure came from. */
export const FailureSource = {
  NONE: "none",
  USER_CODE: "user_code",
  FRAMEWORK: "framework",
  EXTERNAL_DEP: "external_dep",
} as const;
/** One of the {@link FailureSource} values. */
export type FailureSource = (typeof FailureSource)[keyof typeof FailureSource];

/** Why a failure record was written. */
export const FailureReason = {
  STARTUP_HOOK_ERROR: "startup_hook_error",
  STEP_ERROR: "step_error",
  SHUTDOWN_HOOK_ERROR: "shutdown_hook_error",
  VALIDATION_ERROR: "validation_error",
  CLASSIFIER_ERROR: "classifier_error",
  INTERNAL_ERROR: "internal_error",
  TIMEOUT: "timeout",
  CANCELLED: "cancelled",
  CLIENT_CLOSED: "client_closed",
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

/** Latency of one step name across a run. */
export interface StepTiming {
  count: number;
  totalMs: number;
  minMs: number;
  maxMs: number;
}

/** Counters collected while a run executes, attached to `FINISH`. */
export interface RuntimeMetrics {
  /** Largest number of undelivered events seen in the run's queue. */
  queue: { maxDepth: number };
  /** Step invocations started, closed, and the peak that were in flight at once. */
  tasks: { started: number; completed: number; peakActive: number };
  /** Per step name: successful invocations and their durations. */
  stepLatency: Record<string, StepTiming>;
  /** Per join step: waves waited, released, timed out, and wait times. */
  barriers: Record<
    string,
    { waits: number; releases: number; timeouts: number; totalWaitMs: number; maxWaitMs: number }
  >;
  /** Map fan-outs and their workers. */
  maps: { mapsStarted: number; mapsCompleted: number; workersStarted: number; peakWorkers: number };
  /** Number of delivered events by type (`finish` excluded: the snapshot is taken before it). */
  events: Partial<Record<EventType, number>>;
  /** Tokens delivered. */
  tokens: number;
  /** Automatic and handler-requested retries. */
  retries: number;
  /** Suspends. */
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
  /** Runtime counters. */
  readonly metrics?: RuntimeMetrics;
}

/** `STEP_ERROR` payload. */
export interface StepErrorPayload {
  /** The error's message. */
  readonly message: string;
  /** The thrown value. */
  readonly error: unknown;
  /** True when this attempt failed but the step will run again (automatic retry). */
  readonly retrying: boolean;
}
/** `SUSPEND` payload. */
export interface SuspendPayload {
  readonly reason: string;
  readonly step: string;
}
/** `MAP_START` payload. */
export interface MapStartPayload {
  /** The worker step. */
  readonly target: string;
  /** Number of items, when the source's size is known up front. */
  readonly itemCount?: number;
}
/** `MAP_WORKER` payload. */
export interface MapWorkerPayload {
  readonly index: number;
  readonly target: string;
  readonly owner: string;
}
/** `MAP_COMPLETE` payload. */
export interface MapCompletePayload {
  readonly target: string;
  readonly itemCount: number;
}
/** `BARRIER_WAIT` payload. */
export interface BarrierWaitPayload {
  /** Parents that have not arrived yet. */
  readonly waitingFor: readonly string[];
}
/** `BARRIER_RELEASE` payload. */
export interface BarrierReleasePayload {
  readonly durationMs: number;
}
/** `TIMEOUT` and `CANCELLED` payload. */
export interface ReasonPayload {
  readonly reason: string;
}

/** The payload type of each event type. */
export interface EventPayloadMap<State = unknown> {
  start: State;
  finish: PipelineEndData;
  suspend: SuspendPayload;
  timeout: ReasonPayload;
  cancelled: ReasonPayload;
  step_start: undefined;
  step_end: undefined;
  step_error: StepErrorPayload;
  token: unknown;
  barrier_wait: BarrierWaitPayload;
  barrier_release: BarrierReleasePayload;
  map_start: MapStartPayload;
  map_worker: MapWorkerPayload;
  map_complete: MapCompletePayload;
  state_change: unknown;
}

/** Fields every event has. */
export interface BaseEvent<T extends EventType, P> {
  /** The event type; checking it narrows `payload`. */
  readonly type: T;
  /** The step name, `"system"`, `"startup"`/`"shutdown"` for hooks, `"<sub>:<child stage>"` when forwarded. */
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
  /** Step meta on `STEP_END`/`STEP_ERROR`, run meta on `FINISH`, else `null`. */
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

/** The event of one given type. */
export type EventOf<T extends EventType, State = unknown> = Extract<PipeEvent<State>, { type: T }>;
