import { StateConflictError, type StatePath } from "../errors/execution.js";
import type { StateConflictPolicy } from "./executor.js";
import { applyDelta, type StateDelta } from "./state-delta.js";

interface Written {
  readonly path: StatePath;
  readonly append: boolean;
}

interface Entry {
  readonly version: number;
  readonly writes: readonly Written[];
}

/**
 * Applies the deltas of invocations that ran on copies of the state, in completion order, and
 * detects conflicts: an invocation's delta conflicts with a delta applied after the invocation
 * took its copy when one wrote a path equal to, inside, or containing a path the other wrote.
 * Two appends to the same array are not a conflict.
 *
 * Usage: `begin()` when a copy is taken (returns a ticket), then exactly one `commit(ticket, ...)`
 * when it ends with a delta or `release(ticket)` when it ends without one. The ledger keeps only
 * the entries an open ticket can still conflict with, so memory stays bounded by concurrency.
 *
 * @example
 * ```ts
 * const ledger = new DeltaLedger();
 * const a = ledger.begin(), b = ledger.begin();
 * ledger.commit(a, "left", state, { operations: [{ op: "set", path: ["x"], value: 1 }] });
 * ledger.commit(b, "right", state, { operations: [{ op: "set", path: ["x"], value: 2 }] }); // throws StateConflictError
 * ```
 */
export class DeltaLedger {
  readonly #policy: StateConflictPolicy;
  #version = 0;
  readonly #entries: Entry[] = [];
  /** Open tickets by version (insertion order is ascending, so the first key is the oldest). */
  readonly #open = new Map<number, number>();

  /** @param policy - `"error"` (default) or `"last-writer-wins"`. */
  constructor(policy: StateConflictPolicy = "error") {
    this.#policy = policy;
  }

  /** How many applied deltas are kept for conflict checks (for tests: bounded by concurrency). */
  get retained(): number {
    return this.#entries.length;
  }

  /** Marks the moment a copy of the state is taken; returns its ticket. */
  begin(): number {
    const version = this.#version;
    this.#open.set(version, (this.#open.get(version) ?? 0) + 1);
    return version;
  }

  /**
   * Checks `delta` against the deltas applied since `ticket` was taken, then applies it to `state`.
   * Closes the ticket either way.
   *
   * @throws {@link StateConflictError} on a conflict (policy `"error"`); {@link StateDeltaError}
   *   when a path cannot be written.
   */
  commit(ticket: number, step: string, state: unknown, delta: StateDelta): void {
    try {
      const writes = delta.operations.map((operation) => ({
        path: operation.path,
        append: operation.op === "append",
      }));
      if (writes.length === 0) return;
      if (this.#policy === "error") this.#check(ticket, step, writes);
      applyDelta(state, delta);
      this.#version++;
      this.#entries.push({ version: this.#version, writes });
    } finally {
      this.release(ticket);
    }
  }

  /** Closes a ticket without applying anything (the invocation failed or was cancelled). */
  release(ticket: number): void {
    const count = this.#open.get(ticket);
    if (count === undefined) return;
    if (count > 1) this.#open.set(ticket, count - 1);
    else this.#open.delete(ticket);
    this.#prune();
  }

  #check(ticket: number, step: string, writes: readonly Written[]): void {
    for (const entry of this.#entries) {
      if (entry.version <= ticket) continue;
      for (const mine of writes) {
        for (const theirs of entry.writes) {
          if (mine.append && theirs.append && samePath(mine.path, theirs.path)) continue;
          if (overlaps(mine.path, theirs.path)) throw new StateConflictError(step, mine.path, theirs.path);
        }
      }
    }
  }

  /** Drops entries no open ticket is older than. */
  #prune(): void {
    const oldest = this.#open.keys().next();
    const floor = oldest.done ? this.#version : oldest.value;
    let drop = 0;
    while (drop < this.#entries.length && this.#entries[drop]!.version <= floor) drop++;
    if (drop > 0) this.#entries.splice(0, drop);
  }
}

function samePath(left: StatePath, right: StatePath): boolean {
  return left.length === right.length && overlaps(left, right);
}

/** One path equals the other or lies inside it. */
function overlaps(left: StatePath, right: StatePath): boolean {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    if (String(left[index]) !== String(right[index])) return false;
  }
  return true;
}
