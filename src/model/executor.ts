import type { DetachedRunRequest } from "./detached-run-request.js";
import type { StateDelta } from "./state-delta.js";

/**
 * One invocation of a step, as an executor receives it. The run loop builds it; an executor runs the
 * step's handler (here, on a copy of the state, or in another process) and reports back through
 * {@link ExecutorMessage}s.
 *
 * Executors that run the handler in another process use only the plain-data fields (the pipe and
 * step names, ids, `item` and `state`, which they encode); in-process executors call `invoke`.
 */
export interface StepTask<State = unknown> {
  /** The pipe's name (workers find the pipe by it). */
  readonly pipeName: string;
  /** The pipe's `hash()`: a worker with another definition refuses the task. */
  readonly pipeHash: string;
  /** The step to run. */
  readonly step: string;
  /** The step's kind (`"step"`, `"switch"`...); map items run their `each` step. */
  readonly kind: string;
  /** The run's id. */
  readonly runId: string;
  /**
   * The first run of its resume chain (`runId` unless the run was resumed). With the lineage in
   * `idempotencyKey` (`"<threadId>:<lineage>"`) and `attempt` it names the task stably across
   * resumes, so a resumed run can find tasks a previous process dispatched.
   */
  readonly threadId: string;
  /** The invocation's id (the `invocationId` of its events). */
  readonly invocationId: string;
  /** 1 for the first attempt of the invocation lineage, 2, 3... for justpipe's retries. */
  readonly attempt: number;
  /** Stable across re-executions of this attempt (after a worker crash): key side effects by it. */
  readonly idempotencyKey: string;
  /** The map item (map workers), else `undefined`. */
  readonly item: unknown;
  /** The run's live state. Executors that isolate the handler give it a copy. */
  readonly state: State;
  /** When the step must have ended (ms since epoch, from its or the run's timeout), if ever. */
  readonly deadline: number | undefined;
  /**
   * For executors that keep a copy of the state elsewhere (a snapshot plus the deltas applied since):
   * changes whenever the state may have changed other than by a delta the executor was told about
   * through a result's `applied` callback (a step, map source or error handler ran in this process,
   * or a delta failed half-applied). While two tasks of a run carry the same epoch, every change
   * between them was such a delta.
   */
  readonly stateEpoch: number;
  /**
   * Calls the step's handler in this process (after middleware), with the run's arguments but
   * `state` and `signal` replaced; returns what the handler returned (a value, a promise, or an
   * async iterator for streaming steps).
   */
  invoke(state: State, signal: AbortSignal): unknown;
}

/**
 * What an executor reports about one task, in order: any number of `token`s (a streaming step's
 * yields, in order), `restarted` when the task had to run again from the start (its worker died),
 * then exactly one `result` or `error`.
 */
export type ExecutorMessage =
  | {
      /** A value the step yielded (a `TOKEN` event). */
      readonly type: "token";
      readonly value: unknown;
    }
  | {
      /** The task ran again from the start (infrastructure retry); tokens may repeat. */
      readonly type: "restarted";
      /** Why (`"stalled"`: the worker holding it stopped renewing its lock). */
      readonly reason: string;
    }
  | {
      /** The handler ended. */
      readonly type: "result";
      /** What it returned: `undefined`, a step name (jump), `Suspend`, `Stop`, a switch key. */
      readonly control: unknown;
      /** Its changes to its copy of the state; `undefined` when it changed the live state itself. */
      readonly delta: StateDelta | undefined;
      /** What the handler wrote to its `meta` (remote handlers), replayed on the invocation's. */
      readonly meta?: readonly MetaOperation[];
      /** Called once the delta was applied to the run's state (not when it conflicted). */
      readonly applied?: () => void;
    }
  | {
      /** The handler threw (or the task could not run). */
      readonly type: "error";
      readonly error: unknown;
      /** What the handler wrote to its `meta` before it threw (remote handlers). */
      readonly meta?: readonly MetaOperation[];
    };

/**
 * One write of a remote handler to its `meta` (`meta.step` or `meta.run`), as data: the run loop
 * replays it on the invocation's scope, so events carry it as in process.
 */
export interface MetaOperation {
  readonly scope: "step" | "run";
  readonly op: "set" | "tag" | "record" | "increment";
  /** The key, tag, metric or counter name. */
  readonly key: string;
  /** The value set or recorded, or the increment. */
  readonly value?: unknown;
}

/**
 * Runs step handlers for the run loop: in this process (the default), on copies of the state
 * (`isolatedExecutor`), or in worker processes (`bullmqExecutor` from `justpipe/bullmq`).
 * The run loop keeps barriers, routing, retries, timeouts and events; an executor only runs handlers.
 *
 * `execute` must end promptly once `signal` aborts (run or step timeout, cancellation, client close,
 * fail fast), even if the handler it started ignores the signal.
 */
export interface StepExecutor {
  /** A short name for logs and metrics (`"in-process"`, `"isolated"`, `"bullmq"`). */
  readonly name: string;
  /** Whether this executor runs the given step; steps it declines run in-process. Default: all. */
  runs?(step: string, kind: string): boolean;
  /** Runs one task; yields its tokens, then its result or error. */
  execute(task: StepTask, signal: AbortSignal): AsyncIterable<ExecutorMessage>;
  /** Releases connections; called by whoever created the executor, not by runs. */
  close?(): Promise<void>;
  /**
   * Hands a detached run (`pipe.start()`) to whatever hosts run loops for this executor (for
   * `bullmqExecutor`, a run job that a worker with a `store` takes). Executors without it cannot
   * start detached runs.
   */
  startRun?(request: DetachedRunRequest): Promise<void>;
}

/**
 * What to do when two invocations that ran concurrently on their own copies of the state changed
 * the same path: `"error"` (the default) fails the invocation that ended second with a
 * `StateConflictError`; `"last-writer-wins"` applies its change over the other's.
 */
export type StateConflictPolicy = "error" | "last-writer-wins";
