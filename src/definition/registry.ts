import { DefinitionError } from "../errors/errors.js";
import type { StopSignal } from "./control.js";
import type { AnyHandler, ErrorHandler, RetryOption, SwitchRoutes, Target } from "./types.js";

/**
 * The kinds of step a pipe can hold, named after the method that registers them: `pipe.step`,
 * `pipe.map`, `pipe.switch` and `pipe.sub`. Reported by `pipe.steps()` and `pipe.describe()`.
 */
export type StepKind = "step" | "map" | "switch" | "sub";

/**
 * One registered step, as the registry keeps it.
 *
 * @internal
 */
export interface StepDefinition {
  readonly name: string;
  readonly kind: StepKind;
  /** The handler as registered (TestPipe may swap it). */
  handler: AnyHandler;
  readonly to: readonly Target[];
  readonly routes: readonly Target[];
  readonly retries: RetryOption;
  readonly timeout: number | undefined;
  readonly barrierTimeout: number | undefined;
  readonly barrierType: "all" | "any";
  readonly onError: ErrorHandler<any, any> | undefined;
  readonly each?: Target;
  readonly maxConcurrency?: number;
  readonly switchRoutes?: SwitchRoutes;
  readonly switchDefault?: Target | StopSignal;
  readonly pipeline?: import("./pipe.js").Pipe<any, any>;
  /** Registration order. */
  readonly index: number;
}

/** `expected \`x\` to be ..., got \`v\` (type).`: the one validation message template. */
export function expectedMessage(option: string, what: string, value: unknown): string {
  return `expected \`${option}\` to be ${what}, got ${shownValue(value)}.`;
}

/** A value as error messages show it: `` `value` (type) ``, functions by name, objects as JSON. */
export function shownValue(value: unknown): string {
  const shown = typeof value === "function" ? `function ${value.name || "(anonymous)"}` : safeString(value);
  return `\`${shown}\` (${value === null ? "null" : typeof value})`;
}

/** An option of the pipe itself was invalid: the message names `where` (the call), not a step. */
export function expectedOf(where: string, option: string, what: string, value: unknown): DefinitionError {
  return new DefinitionError(`${where}: ${expectedMessage(option, what, value)}`, "system");
}

/** A registration option of `step` was invalid (see {@link expectedMessage}). */
export function expected(step: string, option: string, what: string, value: unknown): DefinitionError {
  return new DefinitionError(`Step '${step}': ${expectedMessage(option, what, value)}`, step);
}

function safeString(value: unknown): string {
  try {
    if (typeof value !== "object" || value === null) return String(value); // NaN, -1, "x", undefined
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Checks an optional non-negative number option. */
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
    if (policy.factor !== undefined && (typeof policy.factor !== "number" || policy.factor < 1)) {
      throw expected(step, "retries.factor", "a number >= 1", policy.factor);
    }
    if (
      policy.jitter !== undefined &&
      typeof policy.jitter !== "boolean" &&
      (typeof policy.jitter !== "number" || policy.jitter < 0 || policy.jitter > 1)
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
