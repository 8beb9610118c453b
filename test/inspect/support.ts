import type { InspectEvent } from "../../src/inspect/index.js";

/** Builds hand-written event lists: `events.at(t).start("a")`, in order, numbered. */
export class EventScript {
  readonly events: InspectEvent[] = [];
  readonly #runId: string;
  #counter = 0;
  #ids = new Map<string, string>();

  constructor(runId = "run1") {
    this.#runId = runId;
  }

  push(event: Partial<InspectEvent> & Pick<InspectEvent, "type" | "stage" | "timestamp">): this {
    this.events.push({
      runId: this.#runId,
      originRunId: this.#runId,
      parentRunId: null,
      seq: this.events.length + 1,
      nodeKind: "step",
      invocationId: null,
      parentInvocationId: null,
      ownerInvocationId: null,
      attempt: 1,
      scope: [],
      meta: null,
      payload: undefined,
      ...event,
    });
    return this;
  }

  /** Opens an invocation named `key` (default: the stage). */
  start(t: number, stage: string, extra: Partial<InspectEvent> & { key?: string } = {}): this {
    const id = `${this.#runId}:${++this.#counter}`;
    this.#ids.set(extra.key ?? stage, id);
    const { key: _key, ...rest } = extra;
    return this.push({
      type: "step_start",
      stage,
      timestamp: t,
      invocationId: id,
      ownerInvocationId: id,
      ...rest,
    });
  }

  #close(type: string, t: number, stage: string, payload: unknown, key?: string): this {
    const invocationId = this.#ids.get(key ?? stage)!;
    return this.push({ type, stage, timestamp: t, invocationId, payload });
  }

  end(t: number, stage: string, key?: string): this {
    return this.#close("step_end", t, stage, undefined, key);
  }

  error(t: number, stage: string, message: string, retrying = false, key?: string): this {
    return this.#close("step_error", t, stage, { message, error: {}, retrying }, key);
  }

  cancel(t: number, stage: string, reason: string, key?: string): this {
    return this.#close("cancelled", t, stage, { reason }, key);
  }

  finish(t: number, status: string, extra: Record<string, unknown> = {}): this {
    return this.push({
      type: "finish",
      stage: "system",
      nodeKind: "system",
      timestamp: t,
      payload: { status, durationMs: t - (this.events[0]?.timestamp ?? t), errors: [], ...extra },
    });
  }
}
