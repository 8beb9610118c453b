import type { FailureClassificationConfig } from "./failure-classification.js";
import {
  FailureKind,
  FailureReason,
  type FailureRecord,
  FailureSource,
  type PipelineEndData,
  PipelineTerminalStatus,
  type RuntimeMetrics,
} from "./outcome.js";

/** npm package-name prefixes whose errors count as `external_dep` by default. */
export const DEFAULT_EXTERNAL_PREFIXES: readonly string[] = [
  "openai",
  "@anthropic-ai/",
  "@google/",
  "@google-cloud/",
  "@aws-sdk/",
  "@smithy/",
  "@azure/",
  "@mistralai/",
  "cohere-ai",
  "groq-sdk",
  "@langchain/",
  "ai",
  "@ai-sdk/",
  "undici",
  "axios",
  "got",
  "node-fetch",
  "ky",
  "pg",
  "postgres",
  "mysql2",
  "mongodb",
  "ioredis",
  "redis",
  "@redis/",
  "@pinecone-database/",
  "@qdrant/",
  "chromadb",
  "@elastic/",
  "stripe",
  "ws",
];

const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** The npm package of the first stack frame, when that frame is under `node_modules/`. */
function packageOfError(error: unknown): string | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== "string") return undefined;
  for (const line of stack.split("\n")) {
    if (!line.trimStart().startsWith("at ")) continue;
    if (line.includes("node:") || line.includes("(internal/") || line.includes("<anonymous>")) continue;
    const path = line.replaceAll("\\", "/");
    const marker = path.lastIndexOf("node_modules/");
    if (marker < 0) return undefined;
    const rest = path.slice(marker + "node_modules/".length).split("/");
    return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  return undefined;
}

function matchesPrefix(name: string, prefix: string): boolean {
  if (prefix.endsWith("/") || prefix.endsWith("-")) return name.startsWith(prefix);
  return name === prefix || name.startsWith(`${prefix}-`) || name.startsWith(`${prefix}/`);
}

function isNetworkError(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== "object" || depth > 4) return false;
  const { code, message, cause } = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  if (message === "fetch failed") return true;
  return isNetworkError(cause, depth + 1);
}

/** The source a failure is attributed to before any custom classifier. */
function defaultSource(error: unknown, kind: FailureKind, prefixes: readonly string[]): FailureSource {
  if (kind === FailureKind.INFRA || kind === FailureKind.VALIDATION) return FailureSource.FRAMEWORK;
  if (isNetworkError(error)) return FailureSource.EXTERNAL_DEP;
  const pkg = packageOfError(error);
  if (pkg !== undefined && prefixes.some((p) => matchesPrefix(pkg, p))) return FailureSource.EXTERNAL_DEP;
  return FailureSource.USER_CODE;
}

const SOURCES = new Set<string>(Object.values(FailureSource));

/** Message of any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/**
 * Collects a run's failures, attributing each to a source (default rules, then the optional
 * classifier; a classifier that throws or returns nonsense adds a `classifier_error` diagnostic).
 */
export class FailureJournal {
  readonly records: FailureRecord[] = [];
  readonly diagnostics: FailureRecord[] = [];
  readonly #config: FailureClassificationConfig;
  #prefixes: readonly string[] | undefined;

  constructor(config: FailureClassificationConfig) {
    this.#config = config;
  }

  /** Records one failure. */
  record(
    kind: FailureKind,
    reason: FailureReason,
    error: unknown,
    step?: string,
    message = messageOf(error),
  ): void {
    this.#prefixes ??= [...DEFAULT_EXTERNAL_PREFIXES, ...(this.#config.externalDependencyPrefixes ?? [])];
    const inherited = (error as { failureSource?: unknown } | null)?.failureSource;
    const fallback =
      typeof inherited === "string" && SOURCES.has(inherited) && inherited !== FailureSource.NONE
        ? (inherited as FailureSource)
        : defaultSource(error, kind, this.#prefixes);
    let source = fallback;
    const classifier = this.#config.sourceClassifier;
    if (classifier !== undefined) {
      try {
        const custom = classifier({ error, kind, reason, step, defaultSource: fallback }) as unknown;
        if (
          custom !== null &&
          typeof custom === "object" &&
          typeof (custom as PromiseLike<unknown>).then === "function"
        ) {
          (custom as PromiseLike<unknown>).then(undefined, () => {});
          this.#diagnose(
            "failureClassification.sourceClassifier returned a Promise; it must return a FailureSource synchronously.",
            step,
          );
        } else if (custom !== undefined && custom !== null) {
          if (SOURCES.has(custom as string)) source = custom as FailureSource;
          else {
            this.#diagnose(
              `failureClassification.sourceClassifier returned an invalid value: ${messageOf(custom)}`,
              step,
            );
          }
        }
      } catch (classifierError) {
        this.#diagnose(
          `failureClassification.sourceClassifier threw: ${messageOf(classifierError)}`,
          step,
          classifierError,
        );
      }
    }
    const record: FailureRecord = { kind, source, reason, error: message, cause: error };
    this.records.push(step === undefined ? record : { ...record, step });
  }

  #diagnose(message: string, step: string | undefined, cause?: unknown): void {
    const record: FailureRecord = {
      kind: FailureKind.INFRA,
      source: FailureSource.FRAMEWORK,
      reason: FailureReason.CLASSIFIER_ERROR,
      error: message,
      ...(cause === undefined ? {} : { cause }),
    };
    this.diagnostics.push(step === undefined ? record : { ...record, step });
  }
}

const PRIORITY: Record<FailureKind, number> = {
  none: 9,
  validation: 0,
  startup: 1,
  step: 2,
  shutdown: 3,
  infra: 4,
};

/** The record of a failed run's primary failure: the one its `error` and `failedStep` describe. */
export function primaryFailure(end: PipelineEndData): FailureRecord | undefined {
  if (end.status !== "failed") return undefined;
  return end.errors.find((e) => e.error === end.error && e.step === end.failedStep);
}

/** How a run was stopped from outside, if it was. */
export type TerminalSignal = "timeout" | "cancelled" | "client_closed" | "suspended" | undefined;

/** Decides the `FINISH` payload from what happened. Written without spreads: it runs once per run, mostly before V8 optimizes it. */
export function resolveOutcome(
  signal: TerminalSignal,
  journal: FailureJournal,
  durationMs: number,
  metrics: RuntimeMetrics,
): PipelineEndData {
  const { records, diagnostics } = journal;
  const errors = diagnostics.length === 0 ? records.slice() : records.concat(diagnostics);
  if (signal === "timeout" || signal === "cancelled" || signal === "client_closed") {
    return {
      status: signal,
      reason: signal,
      failureKind: FailureKind.NONE,
      failureSource: FailureSource.NONE,
      durationMs,
      errors,
      metrics,
    };
  }
  let primary: FailureRecord | undefined;
  for (const r of records)
    if (primary === undefined || PRIORITY[r.kind] < PRIORITY[primary.kind]) primary = r;
  if (primary === undefined) {
    return {
      status: signal === "suspended" ? PipelineTerminalStatus.SUSPENDED : PipelineTerminalStatus.SUCCESS,
      failureKind: FailureKind.NONE,
      failureSource: FailureSource.NONE,
      durationMs,
      errors,
      metrics,
    };
  }
  const end: { -readonly [K in keyof PipelineEndData]: PipelineEndData[K] } = {
    status: PipelineTerminalStatus.FAILED,
    reason: primary.reason,
    failureKind: primary.kind,
    failureSource: primary.source,
    durationMs,
    errors,
    metrics,
  };
  if (primary.error !== undefined) end.error = primary.error;
  if (primary.step !== undefined) end.failedStep = primary.step;
  return end;
}
