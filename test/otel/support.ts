import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { PipeEvent } from "../../src/index.js";

/** An SDK tracer provider exporting to memory, with the AsyncLocalStorage context manager. */
export function useTracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });
  beforeEach(() => exporter.reset());
  return { exporter, tracerProvider, tracer: tracerProvider.getTracer("test") };
}

/** The finished spans as an indented tree of names (children ordered by start, then name). */
export function spanTree(
  spans: readonly ReadableSpan[],
  label: (span: ReadableSpan) => string = (s) => s.name,
) {
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  // Invocation order (the counter ending the invocation id) for step spans, start time otherwise:
  // on a simulated clock, spans that start at the same instant get sub-millisecond offsets.
  const rank = (span: ReadableSpan) => {
    const id = span.attributes["justpipe.invocation_id"];
    if (typeof id === "string") return Number(id.slice(id.lastIndexOf(":") + 1));
    return span.startTime[0] * 1e9 + span.startTime[1];
  };
  const order = (a: ReadableSpan, b: ReadableSpan) => rank(a) - rank(b) || label(a).localeCompare(label(b));
  const lines: string[] = [];
  const visit = (parent: string | undefined, depth: number) => {
    for (const span of [...(children.get(parent) ?? [])].sort(order)) {
      lines.push(`${"  ".repeat(depth)}${label(span)}`);
      visit(span.spanContext().spanId, depth + 1);
    }
  };
  visit(undefined, 0);
  return lines;
}

/** Consumes a run. */
export async function drain<S>(run: AsyncIterable<PipeEvent<S>>): Promise<PipeEvent<S>[]> {
  const events: PipeEvent<S>[] = [];
  for await (const event of run) events.push(event);
  return events;
}

/** The one finished span with this name (throws when there are none or several). */
export function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span '${name}', got ${found.length}`);
  return found[0]!;
}
