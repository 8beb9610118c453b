/**
 * Stable machine-readable codes carried by every {@link JustpipeError}:
 *
 * - `DEFINITION`: {@link DefinitionError}, the pipeline definition is invalid.
 * - `FROZEN`: {@link PipeFrozenError}, the definition was changed after the first run.
 * - `STEP_TIMEOUT`: {@link StepTimeoutError}, a step exceeded its `timeout`.
 * - `BARRIER_TIMEOUT`: {@link BarrierTimeoutError}, a join's parents exceeded its `barrierTimeout`.
 * - `STEP_NOT_FOUND`: {@link StepNotFoundError}, a jump, route or mock named no registered step.
 * - `RETRY_LIMIT`: {@link RetryLimitError}, a lineage reached the Pipe's `maxRetries`.
 * - `SUB_PIPELINE`: {@link SubPipelineError}, a sub-pipeline's run failed.
 * - `PIPELINE_FAILED`: `PipelineError`, `pipe.invoke()` ran a pipeline that did not succeed.
 * - `STREAM`: `StreamError` (`justpipe/http`), a served run's stream reported an error.
 * - `HOOK_TIMEOUT`: {@link HookTimeoutError}, a shutdown hook outlived the Pipe's `shutdownTimeout`.
 * - `STORE`: `StoreError`, a run store could not be opened, read or written.
 * - `CODEC`: `CodecError`, a state could not be encoded or decoded for a store.
 * - `RUN_NOT_FOUND`, `RUN_EXISTS`, `AMBIGUOUS_RUN_ID`: a stored run id matched none, already
 *   exists, or (as a prefix) matched several runs.
 * - `RUN_NOT_RESUMABLE`, `RESUME_MISMATCH`, `RUN_LOCKED`: `resume()` refused a run (finished, its
 *   pipe changed, or another process holds it).
 * - `STATE_CONFLICT`: {@link StateConflictError}, two concurrent isolated or remote invocations
 *   wrote the same state path.
 * - `STATE_DELTA`: {@link StateDeltaError}, a state delta could not be applied.
 * - `DEFINITION_MISMATCH`: {@link DefinitionMismatchError}, a worker process runs another
 *   definition of the pipe than the process that dispatched the step.
 * - `REMOTE`: {@link RemoteStepError}, a step failed in a worker process (or the worker failed).
 * - `DASHBOARD`: `DashboardError`, the dashboard cannot start as asked (an exposed address without
 *   a token, a bad port).
 *
 * @example
 * ```ts
 * if (error instanceof JustpipeError && error.code === "STEP_TIMEOUT") retryLater();
 * ```
 */
export type JustpipeErrorCode =
  | "DEFINITION"
  | "FROZEN"
  | "STEP_TIMEOUT"
  | "BARRIER_TIMEOUT"
  | "STEP_NOT_FOUND"
  | "RETRY_LIMIT"
  | "SUB_PIPELINE"
  | "PIPELINE_FAILED"
  | "STREAM"
  | "HOOK_TIMEOUT"
  | "STORE"
  | "CODEC"
  | "RUN_NOT_FOUND"
  | "RUN_EXISTS"
  | "AMBIGUOUS_RUN_ID"
  | "RUN_NOT_RESUMABLE"
  | "RESUME_MISMATCH"
  | "RUN_LOCKED"
  | "STATE_CONFLICT"
  | "STATE_DELTA"
  | "DEFINITION_MISMATCH"
  | "REMOTE"
  | "DASHBOARD";

/**
 * Base class of every error justpipe throws or reports. `code` is stable across versions;
 * `cause` (standard `Error.cause`) holds the original error when one is wrapped.
 */
export class JustpipeError extends Error {
  /** Stable code, safe to branch on. */
  readonly code: JustpipeErrorCode;
  /**
   * Creates an error; `name` is set to the class's name (`"StepTimeoutError"`, ...).
   *
   * @param code - the stable code.
   * @param message - what went wrong and how to fix it.
   * @param options - `cause`: the original error, when this one wraps it.
   */
  constructor(code: JustpipeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** One problem found in a pipeline definition. */
export interface DefinitionIssue {
  /** The step the problem is about (`"system"` when it concerns the whole pipe). */
  readonly step: string;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/**
 * The pipeline definition is invalid: thrown at registration (duplicate names, anonymous
 * handlers, bad options) and by `validate()` / the first iteration of `run()` (unknown
 * targets, cycles, unreachable steps...). `issues` lists every problem found at once.
 *
 * @example
 * ```ts
 * try { pipe.validate(); } catch (e) {
 *   if (e instanceof DefinitionError) for (const i of e.issues) console.log(i.step, i.message);
 * }
 * ```
 */
export class DefinitionError extends JustpipeError {
  /** Every problem found, in a stable order. */
  readonly issues: readonly DefinitionIssue[];
  /** The step of the first issue (`"system"` for pipe-wide problems). */
  readonly stepName: string;
  /**
   * Creates the error from a list of issues (the message numbers them when there are several), or
   * from a single message about one step.
   *
   * @param issues - every problem found, or one problem's message.
   * @param stepName - the step a single message is about.
   */
  constructor(issues: readonly DefinitionIssue[] | string, stepName = "system") {
    const list = typeof issues === "string" ? [{ step: stepName, message: issues }] : issues;
    const message =
      list.length === 1
        ? list[0]!.message
        : `The pipeline definition has ${list.length} problems:\n${list.map((i, n) => `  ${n + 1}. ${i.message}`).join("\n")}`;
    super("DEFINITION", message);
    this.issues = list;
    this.stepName = list[0]?.step ?? stepName;
  }
}

/** The definition was changed after the first `run()` froze it. Create a new `Pipe` instead. */
export class PipeFrozenError extends JustpipeError {
  /**
   * Creates the error; its message says to create a new `Pipe` instead.
   *
   * @param pipeName - the frozen pipe's name.
   * @param action - what was attempted, for the message (`"add step 'late'"`).
   */
  constructor(pipeName: string, action: string) {
    super(
      "FROZEN",
      `Pipe '${pipeName}' is frozen after its first run(); cannot ${action}. Create a new Pipe to change the definition.`,
    );
  }
}

/** A step ran longer than its `timeout` option. */
export class StepTimeoutError extends JustpipeError {
  /** The step that timed out. */
  readonly step: string;
  /** The limit, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Creates the error; its message suggests raising `timeout` or honouring `signal`.
   *
   * @param step - the step that timed out.
   * @param timeoutMs - its `timeout` option, in milliseconds.
   */
  constructor(step: string, timeoutMs: number) {
    super(
      "STEP_TIMEOUT",
      `Step '${step}' timed out after ${timeoutMs} ms. Raise its \`timeout\` option or make the step honour \`signal\`.`,
    );
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}

/** A join's parents did not all arrive within its `barrierTimeout`. */
export class BarrierTimeoutError extends JustpipeError {
  /** The join step. */
  readonly step: string;
  /** Parents that had not arrived. */
  readonly waitingFor: readonly string[];
  /** The barrier timeout, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Creates the error; its message lists the parents still missing.
   *
   * @param step - the join step.
   * @param timeoutMs - its `barrierTimeout` option, in milliseconds (shown in the message).
   * @param waitingFor - the parents that had not arrived.
   */
  constructor(step: string, timeoutMs: number, waitingFor: readonly string[]) {
    super(
      "BARRIER_TIMEOUT",
      `Barrier of step '${step}' timed out after ${timeoutMs} ms waiting for: ${waitingFor.join(", ")}. ` +
        "Raise its `barrierTimeout` or find out why those branches did not finish.",
    );
    this.step = step;
    this.waitingFor = waitingFor;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A step jumped to (or a switch routed to) a name that is not a registered step, or outside its
 * declared `routes`; a switch value matched no route and there is no `default`; or `TestPipe`
 * was asked about a step the pipe does not have. Failures inside a run arrive as the `error` of a
 * `STEP_ERROR`; `TestPipe` throws it.
 */
export class StepNotFoundError extends JustpipeError {
  /**
   * Creates the error with a ready-made message.
   *
   * @param message - what was not found, with the available names or a suggestion.
   */
  constructor(message: string) {
    super("STEP_NOT_FOUND", message);
  }
}

/**
 * One invocation lineage ran `maxRetries` times (the Pipe option) and asked to retry again. Its
 * `cause` is the error of the last attempt.
 */
export class RetryLimitError extends JustpipeError {
  /**
   * Creates the error; its message suggests raising `maxRetries` or not returning `Retry`.
   *
   * @param step - the step that hit the limit.
   * @param maxRetries - the Pipe's `maxRetries`.
   * @param options - `cause`: the error of the last attempt.
   */
  constructor(step: string, maxRetries: number, options?: { cause?: unknown }) {
    super(
      "RETRY_LIMIT",
      `Step '${step}' reached the retry limit (${maxRetries} runs in one lineage). Raise the Pipe's \`maxRetries\` option or stop returning Retry.`,
      options,
    );
  }
}

/**
 * A sub-pipeline run failed; `failedStep` is the child's failed step. It reaches the sub step's
 * error handlers like any step error, and its `cause` is the child's original error. If it is not
 * handled, the parent's `failedStep` is `"<sub step>:<child step>"`.
 */
export class SubPipelineError extends JustpipeError {
  /**
   * The child's failed step (nested sub-pipelines give `"b:step"`), or the child's `failureKind`
   * (such as `"startup"`) when no step failed.
   */
  readonly failedStep: string;
  /**
   * The child run's failure source (a {@link FailureSource} value), kept when the parent
   * classifies this failure.
   */
  readonly failureSource: string | undefined;
  /**
   * Creates the error; its message names the sub step, the child pipe and the child's failed step.
   *
   * @param subStep - the parent's sub-pipeline step.
   * @param pipeName - the child pipe's name.
   * @param failedStep - the child's failed step.
   * @param message - the child's failure message.
   * @param options - `cause`: the child's original error; `failureSource`: the child's source.
   */
  constructor(
    subStep: string,
    pipeName: string,
    failedStep: string,
    message: string,
    options?: { cause?: unknown; failureSource?: string },
  ) {
    super(
      "SUB_PIPELINE",
      `Sub-pipeline '${pipeName}' of step '${subStep}' failed at '${failedStep}': ${message}`,
      options,
    );
    this.failedStep = failedStep;
    this.failureSource = options?.failureSource;
  }
}

/**
 * A shutdown hook did not settle within the Pipe's `shutdownTimeout`: the run ended without
 * waiting for it (its signal was aborted). Reported as a shutdown failure.
 *
 * @example
 * ```ts
 * if (end.errors.some((record) => record.cause instanceof HookTimeoutError)) alert("cleanup hangs");
 * ```
 */
export class HookTimeoutError extends JustpipeError {
  /** The hook's function name, or `"(anonymous)"`. */
  readonly hook: string;
  /** The bound it exceeded, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Creates the error; its message names the hook and says how to fix it.
   *
   * @param hook - the hook's function name.
   * @param timeoutMs - the Pipe's `shutdownTimeout`.
   */
  constructor(hook: string, timeoutMs: number) {
    super(
      "HOOK_TIMEOUT",
      `Shutdown hook ${hook} did not settle within ${timeoutMs} ms; the run ended without waiting for it. Make it finish (or honour its signal), or raise the Pipe's \`shutdownTimeout\`.`,
    );
    this.hook = hook;
    this.timeoutMs = timeoutMs;
  }
}
