import { BarrierTimeoutError } from "../errors/errors.js";
import { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Clock } from "../model/clock.js";
import type { FrontierBarrier } from "../store/checkpoint.js";
import { arrive, type BarrierProgress, newWave, waitingFor } from "./barrier.js";
import type { Invocation } from "./invocation.js";
import type { MetricsCollector } from "./metrics.js";
import type { RunEvent } from "./run-event.js";

/** What the join barriers need from their run. */
export interface JoinHost {
  readonly clock: Clock;
  readonly metrics: MetricsCollector;
  /** True once nothing new may start. */
  readonly stopping: boolean;
  emitBarrier(type: EventType, node: PlanNode, payload: unknown, timestamp: number): RunEvent;
  startSuccessor(node: PlanNode, from: Invocation): Invocation | undefined;
  skipSuccessors(node: PlanNode, from: Invocation): void;
  /** A stand-in invocation of a join that never ran, so its `onError` applies to its timeout. */
  openStandIn(node: PlanNode, from: Invocation): Invocation;
  onControlError(invocation: Invocation, error: unknown): void;
  hold(): void;
  release(): void;
}

/**
 * The run's join barriers: the progress of the current wave at each join (pure logic in
 * `barrier.ts`) and the `barrierTimeout` timers, in one place. A wave opens when the first parent
 * of a join arrives (`BARRIER_WAIT` for an `all` join, and its timer when it has a timeout) and
 * ends when the barrier fires (`BARRIER_RELEASE`, then the join starts), skips (every parent was
 * pruned: the join's successors are pruned too) or times out (the join fails with a
 * `BarrierTimeoutError` through its error handlers; late parents complete the wave without
 * starting it). A pending timer counts as the run's background work (`hold`/`release`).
 */
export class JoinBarriers {
  readonly #host: JoinHost;
  readonly #progress = new Map<string, BarrierProgress>();
  /** Pending `barrierTimeout` timers by join step (made on first use: most joins have none). */
  #timers: Map<string, unknown> | undefined = undefined;

  constructor(host: JoinHost) {
    this.#host = host;
  }

  /** A parent of the join `node` ended (`skipped` when its branch was pruned). */
  arrive(node: PlanNode, parent: string, skipped: boolean, from: Invocation): void {
    const host = this.#host;
    const join = node.join!;
    let progress = this.#progress.get(node.name);
    const first = progress === undefined;
    // A join's barrier events are its own moments (not a step end's): one clock read for each.
    let now: number | undefined;
    if (progress === undefined) {
      now = host.clock.now();
      progress = newWave(join, now);
      this.#progress.set(node.name, progress);
    }
    const outcome = arrive(join, progress, parent, skipped);
    if (progress.expired) {
      if (outcome.reset) this.#progress.delete(node.name);
      return;
    }
    if (first && !outcome.reset && join.type === "all") {
      host.emitBarrier(EventType.BARRIER_WAIT, node, { waitingFor: waitingFor(join, progress) }, now!);
      if (join.timeout !== undefined) this.#armTimer(node, join.timeout, from);
    }
    if (outcome.reset) {
      this.#progress.delete(node.name);
      if (join.timeout !== undefined) this.#dropTimer(node.name);
    }
    if (outcome.fire) {
      if (join.type === "all") {
        const released = host.clock.now();
        host.emitBarrier(
          EventType.BARRIER_RELEASE,
          node,
          { durationMs: released - progress.since },
          released,
        );
      }
      host.startSuccessor(node, from);
    } else if (outcome.skip) host.skipSuccessors(node, from);
  }

  /**
   * The joins waiting for parents, as plain data for a checkpoint: the parents arrived (and pruned)
   * in each join's current wave.
   */
  snapshot(nodes: ReadonlyMap<string, PlanNode>): FrontierBarrier[] {
    const barriers: FrontierBarrier[] = [];
    for (const [name, progress] of this.#progress) {
      const join = nodes.get(name)?.join;
      if (!join || progress.expired) continue;
      const arrived = join.parents.filter((_, index) => progress.arrivals[index] === 1);
      const pruned = join.parents.filter((_, index) => progress.arrivals[index] === 2);
      barriers.push({ target: name, type: join.type, arrived, pruned, waitingSince: progress.since });
    }
    return barriers;
  }

  /**
   * Restores the waves of a checkpoint (`snapshot`) before anything runs: the parents that had
   * arrived count again, so the join starts when the others arrive.
   */
  restore(barriers: readonly FrontierBarrier[], nodes: ReadonlyMap<string, PlanNode>): void {
    for (const barrier of barriers) {
      const join = nodes.get(barrier.target)?.join;
      if (!join) continue;
      const progress = newWave(join, this.#host.clock.now());
      for (const parent of barrier.arrived)
        if (join.parentIndex.has(parent)) arrive(join, progress, parent, false);
      for (const parent of barrier.pruned ?? [])
        if (join.parentIndex.has(parent)) arrive(join, progress, parent, true);
      this.#progress.set(barrier.target, progress);
    }
  }

  /** The run stops: pending timers will fire no failure, and no longer hold the run open. */
  stopTimers(): void {
    const host = this.#host;
    if (this.#timers === undefined) return;
    for (const timer of this.#timers.values()) {
      host.clock.clearTimeout(timer);
      host.release();
    }
    this.#timers.clear();
  }

  /** The run is over: clears whatever timer is left. */
  clearTimers(): void {
    if (this.#timers === undefined) return;
    for (const timer of this.#timers.values()) this.#host.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  #dropTimer(name: string): void {
    const timer = this.#timers?.get(name);
    if (timer === undefined) return;
    this.#host.clock.clearTimeout(timer);
    this.#timers!.delete(name);
    this.#host.release();
  }

  #armTimer(node: PlanNode, timeout: number, from: Invocation): void {
    const host = this.#host;
    host.hold();
    const timer = host.clock.setTimeout(() => {
      this.#timers!.delete(node.name);
      const progress = this.#progress.get(node.name);
      // The wave stays, expired: parents arriving late complete it without starting the join.
      if (progress !== undefined) progress.expired = true;
      if (progress !== undefined && !host.stopping) {
        host.metrics.barrierTimedOut(node.name);
        const waiting = waitingFor(node.join!, progress);
        // The join never runs: its failure goes through a stand-in invocation so its onError applies.
        const standIn = host.openStandIn(node, from);
        host.onControlError(standIn, new BarrierTimeoutError(node.name, timeout, waiting));
      }
      host.release();
    }, timeout);
    (this.#timers ??= new Map()).set(node.name, timer);
  }
}
