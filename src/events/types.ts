import type { PipelineEndData } from "./outcome.js";

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
 * @typeParam Token - what streaming steps yield, the payload of `TOKEN` (`new Pipe<State, Context, string>()`).
 */
export interface EventPayloadMap<State = unknown, Token = unknown> {
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
  token: Token;
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
 * @typeParam State - the run's state (the `START` payload).
 * @typeParam Token - what streaming steps yield (the `TOKEN` payload); `unknown` unless the Pipe
 *   says (`new Pipe<State, Context, string>()`).
 *
 * @example
 * ```ts
 * for await (const event of pipe.run(state)) {
 *   if (event.type === EventType.FINISH) console.log(event.payload.status);
 * }
 * ```
 */
export type PipeEvent<State = unknown, Token = unknown> = {
  [K in EventType]: BaseEvent<K, EventPayloadMap<State, Token>[K]>;
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
export type EventOf<T extends EventType, State = unknown, Token = unknown> = Extract<
  PipeEvent<State, Token>,
  {
    /** The event type to select. */
    type: T;
  }
>;
