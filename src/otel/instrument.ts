import {
  type Context,
  context,
  createNoopMeter,
  type MeterProvider,
  metrics,
  type Tracer,
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

/**
 * The states sub steps handed to their child runs, each mapped to the sub step spans' contexts in
 * order (two sub steps may hand over one object): the child run's span starts under the first.
 */
const subParents = new WeakMap<object, Context[]>();
const instrumented = new WeakSet<object>();
/** Sub-pipelines instrumented through a parent's instrument(), with what removes that. */
const inherited = new WeakMap<object, () => void>();
const NOOP_METER = createNoopMeter().constructor;

function rememberChildState(value: unknown, parent: Context): unknown {
  if (value !== null && typeof value === "object") {
    const waiting = subParents.get(value);
    if (waiting === undefined) subParents.set(value, [parent]);
    else waiting.push(parent);
  }
  return value;
}

function takeSubParent(state: object): Context | undefined {
  const waiting = subParents.get(state);
  if (waiting === undefined) return undefined;
  const parent = waiting.shift();
  if (waiting.length === 0) subParents.delete(state);
  return parent;
}

/**
 * Traces and measures a pipe with OpenTelemetry. Call it before the pipe's first run. Each run is
 * a span `run <pipeName>`, a child of the span active where the run is iterated; each step
 * invocation (every retry attempt and map worker) is a span `step <stepName>` under it, and the
 * handler runs inside its step's span, so spans it starts (or that instrumented libraries such as
 * `fetch` or the `openai` client start) are its children. Metrics: run and step durations, tokens,
 * time to first token, runs in progress, and GenAI token usage reported through `meta`.
 *
 * The pipes its sub steps run (map workers that are sub steps included) are instrumented with it,
 * at every depth, so a child run's span nests under its sub step's span. A sub-pipeline that was
 * instrumented on its own keeps its instrumentation; one instrumented through a parent may still be
 * given its own (`instrument(child, options)` replaces the inherited one). Without an SDK, the cost
 * is that of the no-op API.
 *
 * @returns a function that removes the instrumentation again (before the first run), from the
 *   sub-pipelines it covered too.
 * @throws DefinitionError when the pipe is already instrumented; `PipeFrozenError` after its first
 *   run (or a sub-pipeline's).
 * @example
 * ```ts
 * import { instrument } from "justpipe/otel";
 * instrument(pipe);              // the global providers (registered by your OpenTelemetry SDK setup)
 * instrument(other, { tracerProvider, meterProvider });
 * ```
 */
export function instrument(pipe: Pipe<any, any>, options: InstrumentOptions = {}): () => void {
  if (pipe === null || typeof pipe !== "object" || typeof pipe.addMiddleware !== "function") {
    throw new TypeError(`Expected \`pipe\` to be a Pipe, got ${pipe === null ? "null" : typeof pipe}.`);
  }
  const replaced = inherited.get(pipe);
  if (replaced !== undefined) replaced();
  else if (instrumented.has(pipe)) {
    throw new DefinitionError(
      `Pipe '${pipe.name}' is already instrumented: call instrument() once per pipe (every run of it is traced, and so are its sub-pipelines).`,
    );
  }
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(
    "justpipe",
    INSTRUMENTATION_VERSION,
  );
  const meters = new MetricsSource(options.meterProvider, () => metrics.getMeterProvider());
  const removers: (() => void)[] = [];
  try {
    instrumentTree(pipe, tracer, meters, removers);
  } catch (error) {
    for (const remove of removers.reverse()) remove();
    throw error;
  }
  return () => {
    for (const remove of removers.reverse()) remove();
    removers.length = 0;
  };
}

/** Instruments `pipe`, then the sub-pipelines of its sub steps not instrumented yet, depth first. */
function instrumentTree(
  pipe: Pipe<any, any>,
  tracer: Tracer,
  meters: MetricsSource,
  removers: (() => void)[],
): void {
  removers.push(instrumentOne(pipe, tracer, meters));
  for (const step of pipe._definitions()) {
    const child = step.kind === "sub" ? step.pipeline : undefined;
    if (child === undefined || typeof child.addMiddleware !== "function" || instrumented.has(child)) continue;
    const start = removers.length;
    instrumentTree(child, tracer, meters, removers);
    const own = removers.slice(start);
    inherited.set(child, () => {
      for (const remove of own.reverse()) remove();
    });
  }
}

/** Adds the middleware, event hook and observer that trace one pipe; returns what removes them. */
function instrumentOne(pipe: Pipe<any, any>, tracer: Tracer, meters: MetricsSource): () => void {
  const runs = new Map<string, RunTrace>();

  const middleware: Middleware = (next, step) => {
    const sub = step.kind === "sub";
    return (args: StepArgs<any, any, any>) => {
      const span = runs.size === 0 ? undefined : runs.get(args.runId)?.take(step.name);
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
    if (runs.size !== 0 && event.parentRunId === null) runs.get(event.runId)?.see(event);
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
      let parent: Context | undefined;
      if (info.state !== null && typeof info.state === "object") parent = takeSubParent(info.state);
      parent ??= context.active();
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
  let removed = false;
  // Idempotent: a parent's remover may run after an own instrument() replaced this inherited one.
  return () => {
    if (removed) return;
    removed = true;
    for (const remove of removers.reverse()) remove();
    instrumented.delete(pipe);
    inherited.delete(pipe);
  };
}
