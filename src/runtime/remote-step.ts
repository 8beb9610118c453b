import { StateConflictError } from "../errors/execution.js";
import type { PlanNode } from "../graph/plan.js";
import { DeltaLedger } from "../model/delta-ledger.js";
import type {
  ExecutorMessage,
  MetaOperation,
  StateConflictPolicy,
  StepExecutor,
  StepTask,
} from "../model/executor.js";
import type { StateDelta } from "../model/state-delta.js";
import { HandlerArgs, type Invocation } from "./invocation.js";
import { MetaScope } from "./meta.js";
import type { SchedulerPort } from "./scheduler-port.js";

/** What running steps elsewhere needs from the run. */
type PipeRun = Pick<
  SchedulerPort,
  | "runId"
  | "state"
  | "ctx"
  | "compiled"
  | "clock"
  | "metrics"
  | "runMeta"
  | "pipelineMeta"
  | "signal"
  | "signalOf"
  | "threadId"
>;

/**
 * A run's executor and what it keeps for it: the ledger that applies deltas in completion order,
 * and when the run must end (for the deadline each task carries).
 */
export class RemoteSteps {
  readonly executor: StepExecutor;
  readonly ledger: DeltaLedger;
  /** When the run times out, on the run's clock (`undefined`: no run timeout). */
  readonly runEndsAt: number | undefined;

  /** See {@link StepTask.stateEpoch}. */
  #epoch = 0;
  /** Invocations whose code runs in this process (steps, error handlers) and may be changing the state. */
  readonly #local = new Set<Invocation>();

  constructor(executor: StepExecutor, policy: StateConflictPolicy, runEndsAt: number | undefined) {
    this.executor = executor;
    this.ledger = new DeltaLedger(policy);
    this.runEndsAt = runEndsAt;
  }

  /**
   * Code of `invocation` runs in this process and may change the state until the invocation closes
   * (a local step, an error handler); a map's source (`ongoing` false) changes it only now.
   */
  localCode(invocation: Invocation, ongoing: boolean): void {
    this.#epoch++;
    if (ongoing) this.#local.add(invocation);
  }

  /** The state changed without a delta the executor knows of (a delta failed half-applied). */
  changed(): void {
    this.#epoch++;
  }

  /**
   * The state's epoch for a task starting now: the same as the last one unless local code ran
   * since, or still runs (then every task gets a new one).
   */
  epoch(): number {
    if (this.#local.size > 0) {
      this.#epoch++;
      for (const invocation of this.#local) if (invocation.closed) this.#local.delete(invocation);
    }
    return this.#epoch;
  }

  /** Whether the executor takes this step (map and sub steps always run here). */
  takes(node: PlanNode): boolean {
    if (node.kind === "map" || node.kind === "sub") return false;
    const executor = this.executor;
    return executor.runs === undefined || executor.runs(node.name, node.kind);
  }
}

/**
 * Hands an invocation to the run's executor. Returns an async iterator the run loop streams like a
 * generator step: it yields the step's tokens and returns its control value, after the step's state
 * delta was applied to the run's state (in completion order, with conflict checks). Closing the
 * iterator (fail fast, timeout, cancellation, client close) closes the executor's task.
 */
export function executeElsewhere(run: PipeRun, inv: Invocation, remote: RemoteSteps): AsyncIterator<unknown> {
  const ledger = remote.ledger;
  const signal = run.signalOf(inv);
  const task = new RunTask(run, inv, remote);
  return new ExecutorStream(run, inv, remote, ledger.begin(), remote.executor.execute(task, signal));
}

/** The task for one invocation: plain data for remote executors, `invoke` for in-process ones. */
class RunTask implements StepTask {
  readonly pipeName: string;
  readonly step: string;
  readonly kind: string;
  readonly runId: string;
  readonly threadId: string;
  readonly invocationId: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly item: unknown;
  readonly state: unknown;
  readonly deadline: number | undefined;
  readonly stateEpoch: number;
  readonly #run: PipeRun;
  readonly #inv: Invocation;

  constructor(run: PipeRun, inv: Invocation, remote: RemoteSteps) {
    this.pipeName = run.compiled.name;
    this.step = inv.node.name;
    this.kind = inv.node.kind;
    this.runId = run.runId;
    this.threadId = run.threadId;
    this.invocationId = inv.id;
    this.attempt = inv.attempt;
    // The key StepArgs.idempotencyKey has in process: stable across retries and resumes.
    this.idempotencyKey = `${run.threadId}:${inv.lineage ?? run.runId}`;
    this.item = inv.item;
    this.state = run.state;
    this.deadline = deadlineOf(run, inv, remote.runEndsAt);
    this.stateEpoch = remote.epoch();
    this.#run = run;
    this.#inv = inv;
  }

  get pipeHash(): string {
    return this.#run.compiled.hash();
  }

  invoke(state: unknown, signal: AbortSignal): unknown {
    const inv = this.#inv;
    const handler = this.#run.compiled.handlers.get(inv.node.name)!;
    return handler(new IsolatedArgs(this.#run, inv, signal, state));
  }
}

/** A handler's arguments with its own copy of the state. */
class IsolatedArgs extends HandlerArgs {
  override readonly state: unknown;

  constructor(run: PipeRun, inv: Invocation, signal: AbortSignal, state: unknown) {
    super(run, inv, inv.node.name, inv.attempt, inv.item, undefined, signal);
    this.state = state;
  }
}

/** Wall-clock ms by which the step must end (its timeout, the run's), if any. */
function deadlineOf(run: PipeRun, inv: Invocation, runEndsAt: number | undefined): number | undefined {
  const stepTimeout = inv.node.definition.timeout;
  if (stepTimeout === undefined && runEndsAt === undefined) return undefined;
  const now = run.clock.now();
  let remaining = Number.POSITIVE_INFINITY;
  if (stepTimeout !== undefined) remaining = inv.startedAt + stepTimeout - now;
  if (runEndsAt !== undefined) remaining = Math.min(remaining, runEndsAt - now);
  return remaining === Number.POSITIVE_INFINITY ? undefined : Date.now() + Math.max(0, remaining);
}

class ExecutorStream implements AsyncIterator<unknown> {
  readonly #run: PipeRun;
  readonly #inv: Invocation;
  readonly #remote: RemoteSteps;
  readonly #ledger: DeltaLedger;
  readonly #ticket: number;
  readonly #messages: AsyncIterator<ExecutorMessage>;
  #open = true;

  constructor(
    run: PipeRun,
    inv: Invocation,
    remote: RemoteSteps,
    ticket: number,
    messages: AsyncIterable<ExecutorMessage>,
  ) {
    this.#run = run;
    this.#inv = inv;
    this.#remote = remote;
    this.#ledger = remote.ledger;
    this.#ticket = ticket;
    this.#messages = messages[Symbol.asyncIterator]();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<unknown>> {
    for (;;) {
      const step = await this.#messages.next();
      if (step.done) {
        this.#end();
        throw new Error(`The executor ended step '${this.#inv.node.name}' without a result or an error.`);
      }
      const message = step.value;
      switch (message.type) {
        case "token":
          return { done: false, value: message.value };
        case "restarted":
          this.#run.metrics.infraRetries++;
          continue;
        case "result":
          this.#open = false;
          this.#finish();
          if (message.meta !== undefined) this.#replayMeta(message.meta);
          if (message.delta === undefined) this.#ledger.release(this.#ticket);
          else this.#commit(message.delta, message.applied);
          return { done: true, value: message.control };
        case "error":
          this.#end();
          this.#finish();
          if (message.meta !== undefined) this.#replayMeta(message.meta);
          throw message.error;
      }
    }
  }

  async return(): Promise<IteratorResult<unknown>> {
    this.#end();
    await this.#messages.return?.(undefined);
    return { done: true, value: undefined };
  }

  #commit(delta: StateDelta, applied: (() => void) | undefined): void {
    try {
      this.#ledger.commit(this.#ticket, this.#inv.node.name, this.#run.state, delta);
    } catch (error) {
      // A conflict applies nothing; a path that could not be written may leave part applied.
      if (!(error instanceof StateConflictError)) this.#remote.changed();
      throw error;
    }
    applied?.();
  }

  /** Writes a remote handler's `meta` writes to the invocation's step scope and the run's. */
  #replayMeta(operations: readonly MetaOperation[]): void {
    const inv = this.#inv;
    for (const { scope, op, key, value } of operations) {
      const target = scope === "run" ? this.#run.runMeta : (inv.stepMeta ??= new MetaScope());
      if (op === "set") target.set(key, value);
      else if (op === "tag") target.tag(key);
      else if (op === "record") target.record(key, value as number);
      else target.increment(key, value as number | undefined);
    }
  }

  /** Lets the executor's task run its clean-up (it is suspended after its last message). */
  #finish(): void {
    const closed = this.#messages.return?.(undefined);
    if (closed !== undefined) Promise.resolve(closed).catch(() => {});
  }

  #end(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#ledger.release(this.#ticket);
  }
}
