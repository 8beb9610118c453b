import type { PipelineEndData } from "../events/outcome.js";
import { EventType } from "../events/types.js";
import { EventQueue } from "./event-queue.js";
import type { Invocation } from "./invocation.js";
import { RunEvent } from "./run-event.js";

/** The run a child's events go to: its `forward` numbers, hooks and queues them. */
export interface ForwardTarget {
  readonly queue: EventQueue<RunEvent>;
  forward(event: RunEvent): void;
}

/** A run that starts inline children: a target, and perhaps itself an inline child. */
export interface ForwardingRun extends ForwardTarget {
  readonly runId: string;
  readonly compiled: { readonly eventHooks: readonly unknown[] };
}

/**
 * The event queue of a sub-pipeline's child run that runs inside its parent (no stream of its
 * own): every event the child emits goes straight on, as the forwarded event, to the nearest
 * ancestor that must see it: the root run, or a run on the way with event hooks. The levels in
 * between add only their stage and scope prefix, which each outlet computes once when its child
 * starts, so an event of a child nested N deep costs the same as one of a direct child (a chain of
 * N levels costs O(N), where forwarding level by level cost O(N²)).
 *
 * The forwarded event is the one the levels in between would have made: stage
 * `"<sub step>:…:<child stage>"`, scope the sub steps' scopes and names then the child's own,
 * `parentRunId` the run just below the receiving one, `parentInvocationId` and
 * `ownerInvocationId` defaulting to the sub step's invocation; the original `runId` stays in
 * `originRunId`. Backpressure is the receiving run's: the child waits when that queue is full.
 */
export class ChildOutlet extends EventQueue<RunEvent> {
  /** The child's `FINISH` payload, once it was emitted. */
  end: PipelineEndData | undefined = undefined;
  readonly #target: ForwardTarget;
  readonly #stagePrefix: string;
  readonly #scopePrefix: readonly string[];
  /** The run just below the target (this outlet's child when the target is its parent). */
  readonly #belowTarget: string | undefined;
  readonly #subInvocationId: string;
  #discarded = false;

  /**
   * @param parent - the run whose sub step starts the child.
   * @param invocation - the sub step's invocation in `parent`.
   */
  constructor(parent: ForwardingRun, invocation: Invocation) {
    super(0);
    const name = invocation.node.name;
    this.#subInvocationId = invocation.id;
    const through = parent.queue;
    if (through instanceof ChildOutlet && parent.compiled.eventHooks.length === 0) {
      // The parent is itself an inline child with nothing to add: skip it.
      this.#target = through.#target;
      this.#stagePrefix = `${through.#stagePrefix}${name}:`;
      this.#scopePrefix = [...through.#scopePrefix, ...invocation.scope, name];
      this.#belowTarget = through.#belowTarget ?? parent.runId;
    } else {
      this.#target = parent;
      this.#stagePrefix = `${name}:`;
      this.#scopePrefix = [...invocation.scope, name];
      this.#belowTarget = undefined;
    }
  }

  override get full(): boolean {
    return this.#target.queue.full;
  }

  override waitForSpace(): Promise<void> | undefined {
    return this.#target.queue.waitForSpace();
  }

  /** The child was closed by its parent: nothing more goes on (as a closed stream delivers nothing). */
  override discard(): void {
    this.#discarded = true;
    super.discard();
  }

  /** Forwards an event of the child (never queued here). */
  override push(event: RunEvent): void {
    if (this.#discarded) return;
    if (event.type === EventType.FINISH && event.parentRunId === null)
      this.end = event.payload as PipelineEndData;
    const copy = new RunEvent(
      event.type,
      this.#stagePrefix + event.stage,
      event.payload,
      event.timestamp,
      event.runId,
      event.nodeKind,
      null,
      0,
      event.meta,
    );
    copy.originRunId = event.originRunId;
    copy.parentRunId = this.#belowTarget ?? event.runId;
    copy.invocationId = event.invocationId;
    copy.parentInvocationId = event.parentInvocationId ?? this.#subInvocationId;
    copy.ownerInvocationId = event.ownerInvocationId ?? this.#subInvocationId;
    copy.attempt = event.attempt;
    copy.scope = event.scope.length === 0 ? this.#scopePrefix : [...this.#scopePrefix, ...event.scope];
    this.#target.forward(copy);
  }
}
