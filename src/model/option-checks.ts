import { didYouMean } from "../errors/did-you-mean.js";
import { DefinitionError } from "../errors/errors.js";
import { expected } from "../errors/messages.js";
import type { Target } from "./handler-types.js";
import type { RetryOption } from "./options.js";
import type { StepKind } from "./step-definition.js";

/** A duration option's valid values: a finite number of milliseconds > 0. */
export function isDuration(value: unknown): value is number {
  return typeof value === "number" && value > 0 && Number.isFinite(value);
}

export function checkDuration(step: string, option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (!isDuration(value)) {
    throw expected(step, option, "a number of milliseconds > 0", value);
  }
  return value;
}

/** Checks a `retries` option. */
export function checkRetries(step: string, value: unknown): RetryOption {
  if (value === undefined) return 0;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) throw expected(step, "retries", "an integer >= 0", value);
    return value;
  }
  if (typeof value === "object" && value !== null) {
    const policy = value as Exclude<RetryOption, number>;
    if (!Number.isInteger(policy.attempts) || policy.attempts < 0) {
      throw expected(step, "retries.attempts", "an integer >= 0", policy.attempts);
    }
    for (const key of ["minDelay", "maxDelay"] as const) {
      const v = policy[key];
      if (v !== undefined && (typeof v !== "number" || v < 0 || !Number.isFinite(v))) {
        throw expected(step, `retries.${key}`, "a number of milliseconds >= 0", v);
      }
    }
    if (
      policy.factor !== undefined &&
      (typeof policy.factor !== "number" || !Number.isFinite(policy.factor) || policy.factor < 1)
    ) {
      throw expected(step, "retries.factor", "a number >= 1", policy.factor);
    }
    if (
      policy.jitter !== undefined &&
      typeof policy.jitter !== "boolean" &&
      (typeof policy.jitter !== "number" || !(policy.jitter >= 0 && policy.jitter <= 1))
    ) {
      throw expected(step, "retries.jitter", "a boolean or a number from 0 to 1", policy.jitter);
    }
    if (policy.retryOn !== undefined && typeof policy.retryOn !== "function") {
      throw expected(step, "retries.retryOn", "a function", policy.retryOn);
    }
    return policy;
  }
  throw expected(step, "retries", "an integer >= 0 or a retry policy object", value);
}

/** Normalises a `to` option to an array, checking each entry's type. */
/** Checks an option that names exactly one step (`each`, `default`, a routing-table entry). */
export function checkTarget(step: string, option: string, value: unknown): void {
  if (typeof value !== "string" && typeof value !== "function")
    throw expected(step, option, "one step name or registered handler", value);
  if (value === "") throw expected(step, option, "a non-empty step name", value);
}

export function checkTargets(step: string, option: string, value: unknown): readonly Target[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  for (const target of list) {
    if (typeof target !== "string" && typeof target !== "function") {
      if (option === "to" && typeof value === "object" && !Array.isArray(value)) {
        throw new DefinitionError(
          `Step '${step}': \`to\` is an object, but only \`pipe.switch\` takes a routing table. Use pipe.switch("${step}", handler, { to: { ... } }) for conditional routing, or pass a step name, a handler, or an array of them.`,
          step,
        );
      }
      throw expected(step, option, "a step name, a registered handler, or an array of them", target);
    }
    if (target === "") throw expected(step, option, "a non-empty step name", target);
  }
  return list as readonly Target[];
}

/** The run options of durable runs (checked in definition/durable.ts). */
const DURABLE_RUN_KEYS = ["store", "durability", "runId", "labels", "codec", "persist", "leaseTtl"] as const;

/** The option keys of each registration call and of the Pipe, `run()` and `invoke()`. */
export const OPTION_KEYS = {
  step: ["to", "retries", "timeout", "barrierTimeout", "barrierType", "onError", "routes"],
  map: [
    "to",
    "retries",
    "timeout",
    "barrierTimeout",
    "barrierType",
    "onError",
    "routes",
    "each",
    "maxConcurrency",
  ],
  switch: ["to", "default", "retries", "timeout", "barrierTimeout", "barrierType", "onError", "routes"],
  sub: ["pipeline", "to", "retries", "timeout", "barrierTimeout", "barrierType", "onError", "routes"],
  pipe: [
    "name",
    "queueSize",
    "strict",
    "allowMultiRoot",
    "middleware",
    "failureClassification",
    "metadata",
    "maxRetries",
    "shutdownTimeout",
    "observerTimeout",
    "debug",
    "clock",
    "requireContext",
  ],
  // Durable runs (store, durability, ...) are checked where they are handled (definition/durable.ts).
  run: [
    "context",
    "start",
    "timeout",
    "queueSize",
    "signal",
    "clock",
    "executor",
    "stateConflict",
    ...DURABLE_RUN_KEYS,
  ],
  invoke: [
    "context",
    "start",
    "timeout",
    "queueSize",
    "signal",
    "clock",
    "executor",
    "stateConflict",
    "throwOnFailure",
    ...DURABLE_RUN_KEYS,
  ],
} as const satisfies Record<string, readonly string[]>;

/**
 * The message for the first key of `options` that is not in `known` (a typo from JavaScript, or
 * a cast in TypeScript), or `undefined` when every key is known: "unknown option `retry`. Did you
 * mean 'retries'? Options of pipe.step: ...".
 *
 * @param options - the options object as given.
 * @param known - the call's option keys.
 * @param call - the call, for the list (`"pipe.step"`).
 */
export function unknownOptionMessage(
  options: object,
  known: readonly string[],
  call: string,
): string | undefined {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    return `unknown option \`${key}\`.${didYouMean(key, known)} Options of ${call}: ${known.join(", ")}.`;
  }
  return undefined;
}

/** Why a sync generator function cannot be a step of this kind, and what to use instead. */
export function syncGeneratorMessage(kind: StepKind, name: string): string {
  switch (kind) {
    case "switch":
      return `Switch '${name}' is a sync generator function (function*): a switch returns the key of its route. Use a plain or async function.`;
    case "sub":
      return `Sub-pipeline step '${name}' is a sync generator function (function*): it returns the child's state. Use a plain or async function.`;
    default:
      return `Step '${name}' is a sync generator function (function*). Streaming steps must be async generators: use \`async function*\`.`;
  }
}
