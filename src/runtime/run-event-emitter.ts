import type { FailureJournal } from "../events/failure.js";
import type { EventType, NodeKind } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type { CompiledPipe } from "./compiled-pipe.js";
import { applyEventHooks } from "./event-hooks.js";
import type { EventQueue } from "./event-queue.js";
import type { Invocation } from "./invocation.js";
import type { MetricsCollector } from "./metrics.js";
import type { RunPersistence } from "./persistence.js";
import { type Lineage, RunEvent } from "./run-event.js";

/**
 * How a run emits its events: numbered in order (`seq`), passed through the pipe's event hooks,
 * counted by the metrics and queued for the consumer. The named `emit…` methods say which kind of
 * event they make, so callers pass no `null` placeholders.
 */
export abstract class RunEventEmitter {
  abstract readonly runId: string;
  abstract readonly compiled: CompiledPipe;
  abstract readonly clock: Clock;
  abstract readonly metrics: MetricsCollector;
  abstract readonly journal: FailureJournal;
  abstract readonly queue: EventQueue<RunEvent>;
  /** Records the run in its store (durable runs only). */
  persistence: RunPersistence | undefined = undefined;
  #sequence = 0;

  /** Creates, numbers and queues an event. */
  emit(
    type: EventType,
    stage: string,
    payload: unknown,
    nodeKind: NodeKind,
    lineage: Lineage | null,
    meta: Readonly<Record<string, unknown>> | null,
    timestamp: number,
  ): RunEvent {
    let event = new RunEvent(
      type,
      stage,
      payload,
      timestamp,
      this.runId,
      nodeKind,
      lineage,
      ++this.#sequence,
      meta,
    );
    if (this.compiled.eventHooks.length > 0)
      event = applyEventHooks(this.compiled.eventHooks, event, this.journal);
    this.metrics.observe(event);
    if (this.persistence !== undefined) this.persistence.record(event);
    this.queue.push(event);
    return event;
  }

  /**
   * The event `emit` would make next (same number), without emitting it: a durable run stores
   * its `FINISH` in the run's last transaction, then emits it.
   */
  nextEvent(
    type: EventType,
    stage: string,
    payload: unknown,
    nodeKind: NodeKind,
    meta: Readonly<Record<string, unknown>> | null,
    timestamp: number,
  ): RunEvent {
    return new RunEvent(
      type,
      stage,
      payload,
      timestamp,
      this.runId,
      nodeKind,
      null,
      this.#sequence + 1,
      meta,
    );
  }

  emitStepEvent(type: EventType, invocation: Invocation, payload: unknown): RunEvent {
    const node = invocation.node;
    return this.emit(type, node.name, payload, node.kind, invocation, null, this.clock.now());
  }

  emitMapEvent(type: EventType, owner: Invocation, payload: unknown): RunEvent {
    return this.emit(type, owner.node.name, payload, "map", owner, null, this.clock.now());
  }

  emitRunEvent(type: EventType, stage: string, payload: unknown): RunEvent {
    return this.emit(type, stage, payload, "system", null, null, this.clock.now());
  }

  emitBarrier(type: EventType, node: PlanNode, payload: unknown, timestamp: number): RunEvent {
    return this.emit(type, node.name, payload, "barrier", null, null, timestamp);
  }

  /** Queues an event forwarded from a child run, renumbered for this stream. */
  forward(event: RunEvent): void {
    event.runId = this.runId;
    event.seq = ++this.#sequence;
    let out = event;
    if (this.compiled.eventHooks.length > 0)
      out = applyEventHooks(this.compiled.eventHooks, event, this.journal);
    // Not counted in this run's metrics: the child's own FINISH carries its metrics.
    if (this.persistence !== undefined) this.persistence.record(out);
    this.queue.push(out);
  }
}
