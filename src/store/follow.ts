import { RunNotFoundError } from "../errors/store-errors.js";
import type { StoredEvent } from "./records.js";
import type { FollowOptions, Store } from "./store.js";

const PAGE = 1000;

/**
 * Waits until new events may have been stored: `ms` elapsed, a notification came, or `signal`
 * aborted. Stores with notifications (Postgres `LISTEN`) give their own.
 */
export type WaitForEvents = (ms: number, signal: AbortSignal | undefined) => Promise<void>;

/** Sleeps `ms`, or less when `signal` aborts. */
export const sleepUnlessAborted: WaitForEvents = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });

/**
 * The shared `followEvents` of the stores: reads the run's events in pages, then waits for more
 * until the run has a terminal status and every event up to its `lastSeq` has been read.
 *
 * @param store - the store to read (its `getRun` and `getEvents`).
 * @param runId - the run (exact id).
 * @param options - `afterSeq`, `signal`, `pollInterval`.
 * @param wait - how to wait between reads.
 */
export async function* followStoredEvents(
  store: Pick<Store, "getRun" | "getEvents" | "location">,
  runId: string,
  options: FollowOptions = {},
  wait: WaitForEvents = sleepUnlessAborted,
): AsyncGenerator<StoredEvent> {
  const { signal, pollInterval = 200 } = options;
  let afterSeq = options.afterSeq ?? 0;
  const first = await store.getRun(runId);
  if (first === undefined || first.runId !== runId) throw new RunNotFoundError(runId, store.location);
  while (!signal?.aborted) {
    // Read the status before the events: events stored after a terminal status was read are
    // still read below, so the last events are never missed.
    const run = await store.getRun(runId);
    const ended = run === undefined || run.status !== "running";
    let page: StoredEvent[];
    do {
      page = await store.getEvents(runId, { afterSeq, limit: PAGE });
      for (const event of page) {
        afterSeq = event.seq;
        yield event;
        if (signal?.aborted) return;
      }
    } while (page.length === PAGE);
    if (ended) return;
    await wait(pollInterval, signal);
  }
}
