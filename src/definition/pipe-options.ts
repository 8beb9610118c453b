import { DefinitionError } from "../errors/errors.js";
import { expectedOf } from "../errors/messages.js";
import type { Clock } from "../model/clock.js";
import { OPTION_KEYS, unknownOptionMessage } from "../model/option-checks.js";
import type { PipeOptions } from "../model/options.js";
import { realClock } from "../runtime/clock.js";

/** The Pipe's options, checked, with their defaults. */
export interface ResolvedPipeOptions
  extends Required<Pick<PipeOptions, "name" | "queueSize" | "strict" | "allowMultiRoot" | "maxRetries">> {
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
  return {
    name,
    queueSize,
    maxRetries,
    strict: options.strict ?? true,
    allowMultiRoot: options.allowMultiRoot ?? false,
    clock: options.clock ?? realClock,
    debug: options.debug ?? truthy(process.env.JUSTPIPE_DEBUG),
    metadata: Object.freeze({ ...(options.metadata ?? {}) }),
    failureClassification: options.failureClassification ?? {},
  };
}
