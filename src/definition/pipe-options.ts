import { DefinitionError } from "../errors/errors.js";
import { expectedOf } from "../errors/messages.js";
import type { Clock } from "../model/clock.js";
import { isDuration, OPTION_KEYS, unknownOptionMessage } from "../model/option-checks.js";
import type { PipeOptions } from "../model/options.js";
import { realClock } from "../runtime/clock.js";

/** How long each shutdown hook may run by default (`PipeOptions.shutdownTimeout`), in ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT = 10_000;

/** How long each observer call may run by default (`PipeOptions.observerTimeout`), in ms. */
export const DEFAULT_OBSERVER_TIMEOUT = 5_000;

/** The Pipe's options, checked, with their defaults. */
export interface ResolvedPipeOptions
  extends Required<
    Pick<
      PipeOptions,
      | "name"
      | "queueSize"
      | "strict"
      | "allowMultiRoot"
      | "maxRetries"
      | "shutdownTimeout"
      | "observerTimeout"
      | "requireContext"
    >
  > {
  readonly clock: Clock;
  readonly debug: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly failureClassification: NonNullable<PipeOptions["failureClassification"]>;
}

const truthy = (value: string | undefined) =>
  value !== undefined && ["1", "true", "yes", "on"].includes(value.trim().toLowerCase());

/** Checks the options of `new Pipe()` and fills in their defaults. */
export function resolvePipeOptions(options: PipeOptions): ResolvedPipeOptions {
  if (typeof options !== "object" || options === null)
    throw expectedOf("new Pipe()", "options", "an object", options);
  const unknown = unknownOptionMessage(options, OPTION_KEYS.pipe, "new Pipe()");
  if (unknown !== undefined) throw new DefinitionError(`new Pipe(): ${unknown}`);
  const name = options.name ?? "Pipe";
  if (typeof name !== "string" || name === "")
    throw expectedOf("new Pipe()", "name", "a non-empty string", name);
  const queueSize = options.queueSize ?? 1000;
  if (!Number.isInteger(queueSize) || queueSize < 0) {
    throw expectedOf("new Pipe()", "queueSize", "an integer >= 0 (0 = unbounded)", queueSize);
  }
  const maxRetries = options.maxRetries ?? 100;
  if (!Number.isInteger(maxRetries) || maxRetries < 1) {
    throw expectedOf("new Pipe()", "maxRetries", "an integer >= 1", maxRetries);
  }
  const shutdownTimeout = options.shutdownTimeout ?? DEFAULT_SHUTDOWN_TIMEOUT;
  if (!isDuration(shutdownTimeout)) {
    throw expectedOf("new Pipe()", "shutdownTimeout", "a number of milliseconds > 0", shutdownTimeout);
  }
  const observerTimeout = options.observerTimeout ?? DEFAULT_OBSERVER_TIMEOUT;
  if (!isDuration(observerTimeout)) {
    throw expectedOf("new Pipe()", "observerTimeout", "a number of milliseconds > 0", observerTimeout);
  }
  const requireContext = options.requireContext ?? false;
  if (typeof requireContext !== "boolean")
    throw expectedOf("new Pipe()", "requireContext", "true or false", requireContext);
  return {
    name,
    requireContext,
    queueSize,
    maxRetries,
    shutdownTimeout,
    observerTimeout,
    strict: options.strict ?? true,
    allowMultiRoot: options.allowMultiRoot ?? false,
    clock: options.clock ?? realClock,
    debug: options.debug ?? truthy(process.env.JUSTPIPE_DEBUG),
    metadata: Object.freeze({ ...(options.metadata ?? {}) }),
    failureClassification: options.failureClassification ?? {},
  };
}
