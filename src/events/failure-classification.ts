import type { FailureKind, FailureReason, FailureSource } from "./outcome.js";

/**
 * Configures how failures are attributed: the `source` of each `FailureRecord` and the
 * `failureSource` on `FINISH`.
 *
 * @example
 * ```ts
 * new Pipe({
 *   failureClassification: {
 *     externalDependencyPrefixes: ["@acme/"],
 *     sourceClassifier: ({ error }) => (error instanceof QuotaError ? "external_dep" : undefined),
 *   },
 * });
 * ```
 */
export interface FailureClassificationConfig {
  /**
   * Called synchronously for each failure with the default attribution; return a source to
   * override it, or `undefined`/`null` to keep it. If it throws, returns a Promise or returns an
   * unknown value, the default is kept and a `classifier_error` diagnostic is added to `errors`.
   * @default none: the default rules decide
   */
  sourceClassifier?: (ctx: FailureClassificationContext) => FailureSource | undefined | null;
  /**
   * npm package-name prefixes treated as external dependencies, in addition to
   * {@link DEFAULT_EXTERNAL_PREFIXES}. They are matched against the package of the first stack
   * frame under `node_modules/`: a prefix ending in `/` or `-` matches any name starting with it
   * (`"@aws-sdk/"`); any other prefix matches the name itself or the name followed by `-` or `/`
   * (`"openai"`).
   * @default []
   */
  externalDependencyPrefixes?: readonly string[];
}

/** What a source classifier is told about a failure. */
export interface FailureClassificationContext {
  /** The thrown value. */
  readonly error: unknown;
  /** The phase that failed. */
  readonly kind: FailureKind;
  /** Why the failure is being recorded. */
  readonly reason: FailureReason;
  /**
   * The failed step (`"<sub step>:<child step>"` inside sub-pipelines), or `undefined` for hooks
   * and failures of the run itself.
   */
  readonly step: string | undefined;
  /**
   * The source the default rules chose (or, for a failed sub-pipeline, the child run's source): what
   * is recorded when the classifier returns `undefined`.
   */
  readonly defaultSource: FailureSource;
}
