/**
 * An event as the inspect models read it: the fields of a `PipeEvent`, loosely typed so that live
 * events (`pipe.run()`), events read back from a store (same fields, JSON-safe payloads) and
 * events parsed from NDJSON all fit. Only `type`, `stage` and `timestamp` are required.
 *
 * @example
 * ```ts
 * const events: InspectEvent[] = [];
 * for await (const event of pipe.run(state)) events.push(event);
 * const timeline = buildTimeline(events);
 * ```
 */
export interface InspectEvent {
  /** The event type (`"step_start"`, `"finish"`, ...). */
  readonly type: string;
  /** The step name, `"system"`, or `"<sub step>:<child stage>"` for forwarded events. */
  readonly stage: string;
  /** Milliseconds since the epoch (by the run's clock). */
  readonly timestamp: number;
  /** Type-specific data (stored events hold a JSON-safe copy). */
  readonly payload?: unknown;
  /** The run of the stream the event was read from. */
  readonly runId?: string;
  /** The run that produced the event (a sub-pipeline's run for forwarded events). */
  readonly originRunId?: string;
  /** The run that forwarded the event, or `null` for the stream's own events. */
  readonly parentRunId?: string | null;
  /** Delivery order within one stream. */
  readonly seq?: number;
  /** What produced the event (`"step"`, `"map"`, `"barrier"`, ...). */
  readonly nodeKind?: string;
  /** The step invocation the event belongs to, or `null`. */
  readonly invocationId?: string | null;
  /** The invocation that caused this one, or `null`. */
  readonly parentInvocationId?: string | null;
  /** The invocation that owns this one (a map or sub owner), or `null`. */
  readonly ownerInvocationId?: string | null;
  /** Attempt number within one retry lineage. */
  readonly attempt?: number;
  /** Nesting path: `["work[3]"]` for a map worker, `["sub", ...]` for forwarded events. */
  readonly scope?: readonly string[];
  /** The step's meta on terminal step events, the run's meta on `FINISH`. */
  readonly meta?: Readonly<Record<string, unknown>> | null;
}

/** Reads a string field of an unknown payload. */
export function stringField(payload: unknown, key: string): string | undefined {
  if (payload === null || typeof payload !== "object") return undefined;
  const value = (payload as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

/** Reads a finite number field of an unknown payload. */
export function numberField(payload: unknown, key: string): number | undefined {
  if (payload === null || typeof payload !== "object") return undefined;
  const value = (payload as Record<string, unknown>)[key];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** True for events of the stream's own run (not forwarded from a sub-pipeline). */
export function isOwnEvent(event: InspectEvent): boolean {
  return event.parentRunId === null || event.parentRunId === undefined;
}
