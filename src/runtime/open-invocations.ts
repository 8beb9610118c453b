import type { Invocation } from "./invocation.js";

/**
 * The invocations of a run that have started and not yet closed, in start order: an intrusive
 * doubly linked list through `Invocation.previousOpen`/`nextOpen`, so opening and closing a step
 * allocate nothing and closing is O(1) whatever the number of open steps (a wide map can have
 * thousands). Aborting walks it oldest first; closing everything walks it newest first, so
 * children close before the owners that wait for them.
 */
export class OpenInvocations {
  #first: Invocation | undefined = undefined;
  #last: Invocation | undefined = undefined;
  /** How many invocations are open. */
  count = 0;

  /** Appends a newly started invocation; returns how many are open now. */
  add(invocation: Invocation): number {
    const last = this.#last;
    if (last === undefined) this.#first = invocation;
    else {
      last.nextOpen = invocation;
      invocation.previousOpen = last;
    }
    this.#last = invocation;
    return ++this.count;
  }

  /** Takes an invocation off the list; a second call for the same invocation does nothing. */
  remove(invocation: Invocation): void {
    const { previousOpen, nextOpen } = invocation;
    if (previousOpen === undefined) {
      if (this.#first !== invocation) return;
      this.#first = nextOpen;
    } else previousOpen.nextOpen = nextOpen;
    if (nextOpen === undefined) this.#last = previousOpen;
    else nextOpen.previousOpen = previousOpen;
    invocation.previousOpen = invocation.nextOpen = undefined;
    this.count--;
  }

  /** Aborts the signal of every open step that has one of its own (steps with a `timeout`). */
  abortAll(reason: Error): void {
    for (let invocation = this.#first; invocation !== undefined; invocation = invocation.nextOpen)
      invocation.controller?.abort(reason);
  }

  /** The open invocations, newest first (a copy: closing them changes the list). */
  newestFirst(): Invocation[] {
    const open: Invocation[] = [];
    for (let invocation = this.#last; invocation !== undefined; invocation = invocation.previousOpen)
      open.push(invocation);
    return open;
  }
}
