import { JustpipeError } from "./errors.js";

/** A state path as a list of keys: `["results", "doc-7"]` is `state.results["doc-7"]`. */
export type StatePath = readonly (string | number)[];

/** Shows a path the way it would be written in code: `state.results["doc-7"]`. */
export function showPath(path: StatePath): string {
  let shown = "state";
  for (const key of path) {
    if (typeof key === "number") shown += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) shown += `.${key}`;
    else shown += `[${JSON.stringify(key)}]`;
  }
  return shown;
}

/**
 * Two invocations that ran at the same time on their own copies of the state (the `isolated`
 * executor, or worker processes) both changed the same state path, or one changed a path inside
 * the other's. Applying both deltas would silently lose one of the writes, so the second to end
 * fails with this error, unless the run was started with `stateConflict: "last-writer-wins"`.
 * Appends to the same array by both are not a conflict (both appends are kept, in completion order).
 *
 * @example
 * ```ts
 * // let parallel steps write keyed entries instead of one shared field:
 * state.results[item.id] = summary;   // no conflict between map items
 * state.summary = summary;            // conflicts when two items do it
 * ```
 */
export class StateConflictError extends JustpipeError {
  /** The path this invocation wrote. */
  readonly path: StatePath;
  /** The path the other invocation had written (equal to `path`, or one contains the other). */
  readonly otherPath: StatePath;
  /** The step whose change was refused. */
  readonly step: string;
  /**
   * Creates the error; its message names both paths and the two ways out.
   *
   * @param step - the step whose delta was refused.
   * @param path - the path it wrote.
   * @param otherPath - the conflicting path written by a concurrent invocation.
   */
  constructor(step: string, path: StatePath, otherPath: StatePath) {
    super(
      "STATE_CONFLICT",
      `Step '${step}' changed ${showPath(path)}, which a concurrent invocation changed too (${showPath(otherPath)}) ` +
        "while both ran on their own copies of the state. Write to separate paths (keyed by the item or the step), " +
        'or run with `stateConflict: "last-writer-wins"` to keep the change that ended last.',
    );
    this.step = step;
    this.path = path;
    this.otherPath = otherPath;
  }
}

/**
 * A state delta (the changes a step made to its copy of the state) could not be applied to the
 * run's state: the path it changes no longer leads to an object or array (another step replaced
 * or deleted it), or the delta is malformed.
 */
export class StateDeltaError extends JustpipeError {
  /** The path that could not be written. */
  readonly path: StatePath;
  /**
   * Creates the error.
   *
   * @param path - the path that could not be written.
   * @param problem - what was found there instead.
   */
  constructor(path: StatePath, problem: string) {
    super(
      "STATE_DELTA",
      `Cannot apply a state change at ${showPath(path)}: ${problem}. ` +
        "Another step replaced or removed that part of the state while this one ran on its copy.",
    );
    this.path = path;
  }
}

/**
 * A worker process was asked to run a step of a pipe whose definition differs from the one the
 * calling process runs (a different `pipe.hash()`), or that it does not know at all. The step
 * fails with failure kind `infra`: deploy the same version of the pipe module to callers and
 * workers (or run workers of both versions on separate queues during a rollout).
 */
export class DefinitionMismatchError extends JustpipeError {
  /** Always `"infra"`: the deployment, not the step's code, is at fault. */
  readonly failureKind = "infra" as const;
  /** The pipe the job named. */
  readonly pipeName: string;
  /** The hash the calling process expects. */
  readonly expectedHash: string;
  /** The hash the worker has, or `undefined` when the worker does not know the pipe. */
  readonly workerHash: string | undefined;
  /**
   * Creates the error; its message names both hashes and what to deploy.
   *
   * @param pipeName - the pipe the job named.
   * @param expectedHash - the caller's `pipe.hash()`.
   * @param workerHash - the worker's, or `undefined` when it has no such pipe.
   * @param known - the pipes the worker serves (for the message).
   */
  constructor(
    pipeName: string,
    expectedHash: string,
    workerHash: string | undefined,
    known: readonly string[],
  ) {
    super(
      "DEFINITION_MISMATCH",
      workerHash === undefined
        ? `A worker received a step of pipe '${pipeName}', which it does not serve (it serves: ${known.join(", ") || "none"}). ` +
            "Pass the pipe to createWorker({ pipes: [...] }) in every worker process of this queue."
        : `A worker runs pipe '${pipeName}' with definition ${workerHash}, but the caller runs ${expectedHash}. ` +
            "Deploy the same version of the module that defines the pipe to the caller and the workers " +
            "(or give each version its own queue during a rollout).",
    );
    this.pipeName = pipeName;
    this.expectedHash = expectedHash;
    this.workerHash = workerHash;
  }
}

/**
 * An error thrown by a step's handler in another process, rebuilt in the calling process: its
 * `message` is the original message; `remoteName`, `remoteCode` and `remoteStack` keep the
 * original's `name`, `code` and stack (class identity does not cross processes, so `retryOn`
 * predicates should test `remoteName` or `remoteCode` rather than `instanceof`).
 */
export class RemoteStepError extends JustpipeError {
  /** The original error's `name` (`"TypeError"`, `"RateLimitError"`...). */
  readonly remoteName: string;
  /** The original error's `code`, when it had a string or number one. */
  readonly remoteCode: string | number | undefined;
  /** The original stack, as printed in the worker process. */
  readonly remoteStack: string | undefined;
  /**
   * Creates the error from what the worker sent.
   *
   * @param details - the original `name`, `message`, `code` and `stack`.
   */
  constructor(details: { name: string; message: string; code?: string | number; stack?: string }) {
    super("REMOTE", details.message);
    this.remoteName = details.name;
    this.remoteCode = details.code;
    this.remoteStack = details.stack;
  }
}
