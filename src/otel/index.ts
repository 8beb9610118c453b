/**
 * `justpipe/otel`: OpenTelemetry traces and metrics for justpipe pipes. Needs
 * `@opentelemetry/api` ^1 (an optional peer dependency of justpipe) and, to export anything, an
 * OpenTelemetry SDK set up by your application.
 *
 * @example
 * ```ts
 * import { instrument } from "justpipe/otel";
 * instrument(pipe);
 * for await (const event of pipe.run(state)) { ... } // a "run <pipe>" span with "step <name>" children
 * ```
 *
 * @packageDocumentation
 */
export {
  ATTR_ATTEMPT,
  ATTR_DURATION_MS,
  ATTR_FAILED_STEP,
  ATTR_FAILURE_KIND,
  ATTR_FAILURE_SOURCE,
  ATTR_FIRST_TOKEN_MS,
  ATTR_INVOCATION_ID,
  ATTR_MAP_INDEX,
  ATTR_PARENT_INVOCATION_ID,
  ATTR_PIPE,
  ATTR_RETRYING,
  ATTR_RUN_ID,
  ATTR_STATUS,
  ATTR_STEP,
  ATTR_STEP_KIND,
  ATTR_TOKENS,
} from "./attributes.js";
export { INSTRUMENTATION_VERSION, type InstrumentOptions, instrument } from "./instrument.js";
