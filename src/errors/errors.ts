/**
 * Stable machine-readable codes carried by every {@link JustpipeError}.
 */
export type JustpipeErrorCode =
  | "DEFINITION"
  | "FROZEN"
  | "STEP_TIMEOUT"
  | "BARRIER_TIMEOUT"
  | "STEP_NOT_FOUND"
  | "RETRY_LIMIT"
  | "SUB_PIPELINE"
  | "HOOK";

/**
 * Base class of every error justpipe throws or reports. `code` is stable across versions;
 * `cause` (standard `Error.cause`) holds the original error when one is wrapped.
 */
export class JustpipeError extends Error {
  /** Stable code, safe to branch on. */
  readonly code: JustpipeErrorCode;
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
  constructor(step: string, timeoutMs: number, waitingFor: readonly string[]) {
    super(
      "BARRIER_TIMEOUT",
      `Barrier of step '${step}' timed out after ${timeoutMs} ms waiting for: ${waitingFor.join(", ")}. ` +
        "Raise its `barrierTimeout` or find out why those branches did not finish.",
    );
    this.step = step;
    this.waitingFor = waitingFor;
  }
}

/** A step jumped to (or a switch routed to) a name that is not a registered step. */
export class StepNotFoundError extends JustpipeError {
  constructor(message: string) {
    super("STEP_NOT_FOUND", message);
  }
}

/** One invocation lineage ran `maxRetries` times and asked to retry again. */
export class RetryLimitError extends JustpipeError {
  constructor(step: string, maxRetries: number, options?: { cause?: unknown }) {
    super(
      "RETRY_LIMIT",
      `Step '${step}' reached the retry limit (${maxRetries} runs in one lineage). Raise the Pipe's \`maxRetries\` option or stop returning Retry.`,
      options,
    );
  }
}

/** A sub-pipeline run failed; `failedStep` is the child's failed step. */
export class SubPipelineError extends JustpipeError {
  /** The child's failed step (nested sub-pipelines give `"b:step"`). */
  readonly failedStep: string;
  /** The child run's failure source, kept when the parent classifies this failure. */
  readonly failureSource: string | undefined;
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
