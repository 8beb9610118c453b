import {
  type Context,
  context,
  createNoopMeter,
  type MeterProvider,
  metrics,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import {
  DefinitionError,
  type EventHook,
  type Middleware,
  type Observer,
  type ObserverInfo,
  type Pipe,
  type PipelineEndData,
  type StepArgs,
} from "../index.js";
import { bindContext } from "./bind-context.js";
import { MetricsSource } from "./metrics.js";
import { RunTrace, startRunSpan } from "./run-trace.js";

/** The instrumentation scope version reported with every span and metric. */
export const INSTRUMENTATION_VERSION = "0.1.0";

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /**
   * Where spans go.
   * @default the global tracer provider (`trace.getTracerProvider()`): a no-op until an SDK is registered
   */
  tracerProvider?: TracerProvider;
  /**
   * Where metrics go.
   * @default the global meter provider (`metrics.getMeterProvider()`), looked up at each run's start
   */
  meterProvider?: MeterProvider;
}

/** The state a sub step handed to its child run, mapped to the sub step's span context. */
const subParents = new WeakMap<object, Context>();
const instrumented = new WeakSet<object>();
const NOOP_METER = createNoopMeter().constructor;

function rememberChildState(value: unknown, parent: Context): unknown {
  if (value !== null && typeof value === "object") subParents.set(value, parent);
  return value;
}

/**
 * Traces and measures a pipe with OpenTelemetry. Call it before the pipe's first run. Each run is
 * a span `run <pipeName>`, a child of the span active where the run is iterated; each step
 * invocation (every retry attempt and map worker) is a span `step <stepName>` under it, and the
 * handler runs inside its step's span, so spans it starts (or that instrumented libraries such as
 * `fetch` or the `openai` client start) are its children. Metrics: run and step durations, tokens,
 * time to first token, runs in progress, and GenAI token usage reported through `meta`.
 *
 * A sub-pipeline is traced when it is instrumented too: its run then nests under the sub step's span.
 * Without an SDK, the cost is that of the no-op API.
 *
 * @returns a function that removes the instrumentation again (before the first run).
 * @throws DefinitionError when the pipe is already instrumented; `PipeFrozenError` after its first run.
 * @example
 * ```ts
 * import { instrument } from "justpipe/otel";
 * instrument(pipe);              // the global providers (registered by your OpenTelemetry SDK setup)
 * instrument(childPipe);         // sub-pipelines are instrumented on their own
 * instrument(other, { tracerProvider, meterProvider });
 * ```
 */
export function instrument(pipe: Pipe<any, any>, options: InstrumentOptions = {}): () => void {
  if (pipe === null || typeof pipe !== "object" || typeof pipe.addMiddleware !== "function") {
    throw new TypeError(`Expected \`pipe\` to be a Pipe, got ${pipe === null ? "null" : typeof pipe}.`);
  }
  if (instrumented.has(pipe)) {
    throw new DefinitionError(
      `Pipe '${pipe.name}' is already instrumented: call instrument() once per pipe (every run of it is traced).`,
    );
  }
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    "justpipe",
    INSTRUMENTATION_VERSION,
  );
  const meters = new MetricsSource(options.meterProvider, () => metrics.getMeterProvider());
  const runs = new Map<string, RunTrace>();

  const middleware: Middleware = (next, step) => {
    const sub = step.kind === "sub";
    return (args: StepArgs<any, any, any>) => {
      const span = runs.get(args.runId)?.take(step.name);
      if (span === undefined) return next(args);
      const result = context.with(span.context, next, undefined, args);
      if (!sub) return bindContext(result, span.context);
      if (
        result !== null &&
        typeof result === "object" &&
        typeof (result as PromiseLike<unknown>).then === "function"
      ) {
        return (result as PromiseLike<unknown>).then((value) => rememberChildState(value, span.context));
      }
      return rememberChildState(result, span.context);
    };
  };

  const hook: EventHook = (event) => {
    if (event.parentRunId === null) runs.get(event.runId)?.see(event);
    return event;
  };

  const ended = (end: PipelineEndData, info: ObserverInfo) => {
    const run = runs.get(info.runId);
    if (run === undefined) return;
    runs.delete(info.runId);
    run.finish(end);
    meters.get(INSTRUMENTATION_VERSION).activeRuns.add(-1, { "justpipe.pipe": info.pipeName });
  };

  const observer: Observer = {
    onPipelineStart(info) {
      let parent = context.active();
      if (info.state !== null && typeof info.state === "object") {
        const fromSub = subParents.get(info.state);
        if (fromSub !== undefined) {
          subParents.delete(info.state);
          parent = fromSub;
        }
      }
      const instruments = meters.get(INSTRUMENTATION_VERSION);
      const span = startRunSpan(tracer, info.pipeName, info.runId, parent);
      // Nothing records (no SDK, or the trace is sampled out) and metrics are no-ops: the run is
      // left alone, so the only cost is this check.
      if (!span.isRecording() && instruments.meter.constructor === NOOP_METER) return;
      runs.set(info.runId, new RunTrace(tracer, instruments, info.pipeName, info.runId, span, parent));
      instruments.activeRuns.add(1, { "justpipe.pipe": info.pipeName });
    },
    onPipelineEnd: (end, info) => ended(end, info),
    onPipelineError: (_error, end, info) => ended(end, info),
  };

  const removers = [pipe.addMiddleware(middleware)];
  try {
    removers.push(pipe.addEventHook(hook), pipe.addObserver(observer));
  } catch (error) {
    for (const remove of removers) remove();
    throw error;
  }
  instrumented.add(pipe);
  return () => {
    for (const remove of removers.reverse()) remove();
    instrumented.delete(pipe);
  };
}
