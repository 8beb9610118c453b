import { JustpipeError } from "./errors.js";

/**
 * A run store could not be opened, read or written: a read-only directory, a corrupt or locked
 * file, an unreachable database. `location` names the store (a file path or a URL without its
 * password); the message says what to do.
 *
 * @example
 * ```ts
 * try { await store.init(); } catch (e) {
 *   if (e instanceof StoreError) console.error(`${e.location}: ${e.message}`);
 * }
 * ```
 */
export class StoreError extends JustpipeError {
  /** The store's location: a file path, `memory`, or a database URL without its password. */
  readonly location: string;
  /**
   * Creates the error.
   *
   * @param location - the store's location, shown to the user.
   * @param message - what failed and what to do about it.
   * @param options - `cause`: the driver's original error.
   */
  constructor(location: string, message: string, options?: { cause?: unknown }) {
    super("STORE", message, options);
    this.location = location;
  }
}

/**
 * A state could not be encoded for a store (or decoded from one): the default codec refuses
 * functions, symbols, class instances and cycles rather than storing a hollow copy. `path` is
 * where the value sits (`state.cache.get("k")`).
 */
export class CodecError extends JustpipeError {
  /** Where the offending value sits, such as `state.user.createdBy` (empty when decoding). */
  readonly path: string;
  /**
   * Creates the error.
   *
   * @param path - where the offending value sits.
   * @param message - what was refused and how to fix it.
   * @param options - `cause`: the original error, if any.
   */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("CODEC", message, options);
    this.path = path;
  }
}

/** No stored run has this id (or starts with this prefix). `suggestions` lists the closest ids. */
export class RunNotFoundError extends JustpipeError {
  /** The id or prefix that was looked up. */
  readonly runId: string;
  /** The store's location. */
  readonly location: string;
  /** Stored run ids that share the longest prefix with `runId` (may be empty). */
  readonly suggestions: readonly string[];
  /**
   * Creates the error; the message names the store and lists the suggestions.
   *
   * @param runId - the id or prefix looked up.
   * @param location - the store's location.
   * @param suggestions - the closest stored ids.
   */
  constructor(runId: string, location: string, suggestions: readonly string[] = []) {
    const hint =
      suggestions.length > 0
        ? ` Closest ids: ${suggestions.join(", ")}.`
        : " Check the id, and that the store is the one the run was written to.";
    super("RUN_NOT_FOUND", `No run '${runId}' in the store at ${location}.${hint}`);
    this.runId = runId;
    this.location = location;
    this.suggestions = suggestions;
  }
}

/** A run was created with an id the store already holds (`run(state, { runId })`). */
export class RunExistsError extends JustpipeError {
  /** The id that exists. */
  readonly runId: string;
  /**
   * Creates the error; the message says to choose another id or resume the run.
   *
   * @param runId - the id that exists.
   * @param location - the store's location.
   */
  constructor(runId: string, location: string) {
    super(
      "RUN_EXISTS",
      `A run with id '${runId}' already exists in the store at ${location}. Choose another runId, or continue it with pipe.resume('${runId}').`,
    );
    this.runId = runId;
  }
}

/** A run id prefix matched more than one stored run; `matches` lists them. */
export class AmbiguousRunIdError extends JustpipeError {
  /** The prefix that was looked up. */
  readonly prefix: string;
  /** Some of the run ids it matched (at most ten). */
  readonly matches: readonly string[];
  /**
   * Creates the error; the message lists the matches and asks for more characters.
   *
   * @param prefix - the prefix looked up.
   * @param matches - run ids that start with it.
   */
  constructor(prefix: string, matches: readonly string[]) {
    super(
      "AMBIGUOUS_RUN_ID",
      `Run id '${prefix}' matches ${matches.length >= 10 ? "10 or more" : matches.length} runs: ${matches.join(", ")}. Give more characters of the id.`,
    );
    this.prefix = prefix;
    this.matches = matches;
  }
}

/**
 * `resume()` refused a run in its current status: a successful run is never resumed; a failed,
 * timed-out or cancelled one only with `retryFailed: true`; a running one only once its owner's
 * lease has expired.
 */
export class RunNotResumableError extends JustpipeError {
  /** The run. */
  readonly runId: string;
  /** Its stored status. */
  readonly status: string;
  /**
   * Creates the error.
   *
   * @param runId - the run.
   * @param status - its stored status.
   * @param message - why it cannot be resumed and what to do.
   */
  constructor(runId: string, status: string, message: string) {
    super("RUN_NOT_RESUMABLE", message);
    this.runId = runId;
    this.status = status;
  }
}

/**
 * The run was stored by a pipe whose definition differs from the one resuming it. `steps` names
 * the steps that changed; pass `allowDefinitionChange: true` to resume anyway.
 */
export class ResumeMismatchError extends JustpipeError {
  /** The run. */
  readonly runId: string;
  /** Steps added, removed or changed between the stored definition and this pipe. */
  readonly steps: readonly string[];
  /**
   * Creates the error.
   *
   * @param runId - the run.
   * @param steps - the steps that changed.
   * @param message - what differs and what to do.
   */
  constructor(runId: string, steps: readonly string[], message: string) {
    super("RESUME_MISMATCH", message);
    this.runId = runId;
    this.steps = steps;
  }
}

/** Another process holds the run (a live lease): two resumes of one run cannot both proceed. */
export class RunLockedError extends JustpipeError {
  /** The run. */
  readonly runId: string;
  /** The lease holder. */
  readonly owner: string;
  /** When the lease expires (ms since the epoch). */
  readonly leaseUntil: number;
  /**
   * Creates the error; the message names the owner and when its lease expires.
   *
   * @param runId - the run.
   * @param owner - the lease holder.
   * @param leaseUntil - when its lease expires (ms since the epoch).
   */
  constructor(runId: string, owner: string, leaseUntil: number) {
    super(
      "RUN_LOCKED",
      `Run '${runId}' is being executed by ${owner} (lease until ${new Date(leaseUntil).toISOString()}). Wait for it to end, or resume it after the lease expires if that process died.`,
    );
    this.runId = runId;
    this.owner = owner;
    this.leaseUntil = leaseUntil;
  }
}
