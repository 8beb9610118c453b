import {
  type Attributes,
  type Context,
  type Exception,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { PipeEvent, PipelineEndData } from "../index.js";
import {
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
  modelUsageOf,
} from "./attributes.js";
import type { PipeMetrics } from "./metrics.js";

/** One open step invocation's span. */
export interface StepSpan {
  readonly id: string;
  readonly stage: string;
  readonly span: Span;
  /** The context the step's handler runs in (its span active). */
  readonly context: Context;
  readonly startedAt: number;
  tokens: number;
  firstTokenAt: number | undefined;
  /** Picked up by the middleware (its handler started). */
  taken: boolean;
}

const MAP_INDEX = /\[(\d+)\]$/;

function toException(error: unknown): Exception {
  if (error instanceof Error) return error;
  if (typeof error === "string") return error;
  return String(error);
}

/** Starts a run's span: `run <pipeName>` under `parent`. */
export function startRunSpan(tracer: Tracer, pipeName: string, runId: string, parent: Context): Span {
  return tracer.startSpan(
    `run ${pipeName}`,
    { attributes: { [ATTR_PIPE]: pipeName, [ATTR_RUN_ID]: runId } },
    parent,
  );
}

/**
 * The tracing of one run: its span, its open step spans, and the step spans waiting for their
 * handler to start. Fed synchronously by the event hook, so span times and parents are those of
 * the moment each event is emitted (times from the run's clock).
 */
export class RunTrace {
  readonly span: Span;
  readonly context: Context;
  readonly pipeName: string;
  readonly runId: string;
  readonly #tracer: Tracer;
  readonly #metrics: PipeMetrics;
  readonly #steps = new Map<string, StepSpan>();
  /** Step spans opened (`STEP_START`) whose handler has not started yet, by step name, in order. */
  readonly #pending = new Map<string, StepSpan[]>();
  #ended = false;

  /** `span` is the run's span, started by {@link startRunSpan} under `parent`. */
  constructor(
    tracer: Tracer,
    metrics: PipeMetrics,
    pipeName: string,
    runId: string,
    span: Span,
    parent: Context,
  ) {
    this.#tracer = tracer;
    this.#metrics = metrics;
    this.pipeName = pipeName;
    this.runId = runId;
    this.span = span;
    this.context = trace.setSpan(parent, span);
  }

  /** The next opened, not yet started invocation of a step (for the middleware). */
  take(stage: string): StepSpan | undefined {
    const queue = this.#pending.get(stage);
    const next = queue?.shift();
    if (next !== undefined) next.taken = true;
    return next;
  }

  /** Handles one of the run's own events, as it is emitted. */
  see(event: PipeEvent): void {
    switch (event.type) {
      case "step_start":
        this.#open(event);
        return;
      case "step_end":
        this.#close(event, "success");
        return;
      case "step_error":
        if (event.invocationId === null) {
          this.span.recordException(toException(event.payload.error), event.timestamp);
          this.span.addEvent("justpipe.hook_error", { [ATTR_STEP]: event.stage }, event.timestamp);
          return;
        }
        this.#close(event, "error");
        return;
      case "cancelled":
        if (event.invocationId === null) {
          this.span.addEvent("justpipe.cancelled", { reason: event.payload.reason }, event.timestamp);
          return;
        }
        this.#close(event, "cancelled");
        return;
      case "token": {
        const step = event.invocationId === null ? undefined : this.#steps.get(event.invocationId);
        if (step === undefined) return;
        if (step.tokens++ === 0) {
          step.firstTokenAt = event.timestamp;
          step.span.addEvent("justpipe.first_token", undefined, event.timestamp);
        }
        return;
      }
      case "timeout":
        this.span.addEvent("justpipe.timeout", { reason: event.payload.reason }, event.timestamp);
        return;
      case "suspend": {
        const attributes = { reason: event.payload.reason, [ATTR_STEP]: event.payload.step };
        this.span.addEvent("justpipe.suspend", attributes, event.timestamp);
        const step = event.invocationId === null ? undefined : this.#steps.get(event.invocationId);
        step?.span.addEvent("justpipe.suspend", attributes, event.timestamp);
        return;
      }
      case "barrier_wait":
        this.span.addEvent(
          "justpipe.barrier.wait",
          { [ATTR_STEP]: event.stage, "justpipe.barrier.waiting_for": [...event.payload.waitingFor] },
          event.timestamp,
        );
        return;
      case "barrier_release":
        this.span.addEvent(
          "justpipe.barrier.release",
          { [ATTR_STEP]: event.stage, "justpipe.barrier.wait_ms": event.payload.durationMs },
          event.timestamp,
        );
        return;
      case "map_start":
      case "map_complete": {
        const step = event.invocationId === null ? undefined : this.#steps.get(event.invocationId);
        const attributes: Attributes = { "justpipe.map.target": event.payload.target };
        if (event.payload.itemCount !== undefined)
          attributes["justpipe.map.item_count"] = event.payload.itemCount;
        step?.span.addEvent(`justpipe.${event.type.replace("_", ".")}`, attributes, event.timestamp);
        return;
      }
      case "finish":
        this.finish(event.payload);
        return;
    }
  }

  #open(event: PipeEvent): void {
    const id = event.invocationId!;
    const owner =
      event.ownerInvocationId !== null && event.ownerInvocationId !== id
        ? this.#steps.get(event.ownerInvocationId)
        : undefined;
    const parent = owner?.context ?? this.context;
    const attributes: Attributes = {
      [ATTR_PIPE]: this.pipeName,
      [ATTR_RUN_ID]: this.runId,
      [ATTR_STEP]: event.stage,
      [ATTR_STEP_KIND]: event.nodeKind,
      [ATTR_INVOCATION_ID]: id,
      [ATTR_ATTEMPT]: event.attempt,
    };
    if (event.parentInvocationId !== null) attributes[ATTR_PARENT_INVOCATION_ID] = event.parentInvocationId;
    const last = event.scope.at(-1);
    if (last?.startsWith(event.stage)) {
      const match = MAP_INDEX.exec(last);
      if (match !== null) attributes[ATTR_MAP_INDEX] = Number(match[1]);
    }
    const span = this.#tracer.startSpan(
      `step ${event.stage}`,
      { attributes, startTime: event.timestamp },
      parent,
    );
    const step: StepSpan = {
      id,
      stage: event.stage,
      span,
      context: trace.setSpan(parent, span),
      startedAt: event.timestamp,
      tokens: 0,
      firstTokenAt: undefined,
      taken: false,
    };
    this.#steps.set(id, step);
    const queue = this.#pending.get(event.stage);
    if (queue === undefined) this.#pending.set(event.stage, [step]);
    else queue.push(step);
  }

  #close(event: PipeEvent, status: "success" | "error" | "cancelled"): void {
    const step = event.invocationId === null ? undefined : this.#steps.get(event.invocationId);
    if (step === undefined) return;
    this.#steps.delete(step.id);
    if (!step.taken) {
      // Closed before its handler started (cancelled in its wave): keep the queue in step.
      const queue = this.#pending.get(step.stage);
      const index = queue?.indexOf(step) ?? -1;
      if (index !== -1) queue!.splice(index, 1);
    }
    const { span } = step;
    const labels: Attributes = { [ATTR_PIPE]: this.pipeName, [ATTR_STEP]: step.stage, [ATTR_STATUS]: status };
    if (event.type === "step_error") {
      span.recordException(toException(event.payload.error), event.timestamp);
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.payload.message });
      if (event.payload.retrying) span.setAttribute(ATTR_RETRYING, true);
    } else if (event.type === "cancelled") {
      span.addEvent("justpipe.cancelled", { reason: event.payload.reason }, event.timestamp);
    }
    span.setAttribute(ATTR_STATUS, status);
    if (step.tokens > 0) {
      span.setAttribute(ATTR_TOKENS, step.tokens);
      this.#metrics.tokens.add(step.tokens, { [ATTR_PIPE]: this.pipeName, [ATTR_STEP]: step.stage });
      const firstTokenMs = step.firstTokenAt! - step.startedAt;
      span.setAttribute(ATTR_FIRST_TOKEN_MS, firstTokenMs);
      this.#metrics.firstToken.record(firstTokenMs / 1000, {
        [ATTR_PIPE]: this.pipeName,
        [ATTR_STEP]: step.stage,
      });
    }
    const usage = modelUsageOf(event.meta);
    if (usage !== undefined) {
      span.setAttributes(usage.attributes);
      this.#metrics.recordModelUsage(usage);
    }
    span.end(event.timestamp);
    this.#metrics.stepDuration.record(Math.max(0, event.timestamp - step.startedAt) / 1000, labels);
  }

  /** Ends the run span with the run's outcome (once); open step spans are ended as cancelled. */
  finish(end: PipelineEndData): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const step of this.#steps.values()) {
      step.span.setAttribute(ATTR_STATUS, "cancelled");
      step.span.addEvent("justpipe.cancelled", { reason: end.status });
      step.span.end();
    }
    this.#steps.clear();
    this.#pending.clear();
    const span = this.span;
    span.setAttribute(ATTR_STATUS, end.status);
    span.setAttribute(ATTR_DURATION_MS, end.durationMs);
    if (end.status === "failed") {
      const primary = end.errors.find((record) => record.kind === end.failureKind) ?? end.errors[0];
      if (primary?.cause !== undefined) span.recordException(toException(primary.cause));
      if (end.failedStep !== undefined) span.setAttribute(ATTR_FAILED_STEP, end.failedStep);
      span.setAttribute(ATTR_FAILURE_KIND, end.failureKind);
      span.setAttribute(ATTR_FAILURE_SOURCE, end.failureSource);
    }
    if (end.status === "failed" || end.status === "timeout") {
      span.setStatus({ code: SpanStatusCode.ERROR, message: end.error ?? end.reason ?? end.status });
    }
    span.end();
    this.#metrics.runDuration.record(end.durationMs / 1000, {
      [ATTR_PIPE]: this.pipeName,
      [ATTR_STATUS]: end.status,
    });
  }
}
