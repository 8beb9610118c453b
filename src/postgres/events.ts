import type { Pool } from "pg";
import type { FollowOptions, Store, StoredEvent } from "../index.js";
import { followStoredEvents, type WaitForEvents } from "../store/follow.js";

/** The channel a write notifies (payload `"<schema>:<runId>"`) and followers listen on. */
export const NOTIFY_CHANNEL = "justpipe_events";

/** The Postgres type of each events column, in EVENT_COLUMNS order, for the unnest() insert. */
export const EVENT_TYPES = [
  "text",
  "int4",
  "float8",
  "text",
  "text",
  "text",
  "text",
  "text",
  "text",
  "int4",
  "text",
  "text",
  "text",
  "text",
  "text",
  "int4",
  "int4",
] as const;

/**
 * `followEvents` for Postgres: the shared polling loop, woken early by `NOTIFY` on a dedicated
 * connection (and still polling every `pollInterval`, default 1 s, in case a notification is lost).
 *
 * @param store - the store (its reads).
 * @param open - opens the store's pool.
 * @param schema - the unquoted schema, as notifications name it.
 * @param runId - the run.
 * @param options - `afterSeq`, `signal`, `pollInterval`.
 */
export async function* followWithNotifications(
  store: Pick<Store, "getRun" | "getEvents" | "location">,
  open: () => Promise<Pool>,
  schema: string,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<StoredEvent> {
  const pool = await open();
  const client = await pool.connect();
  let notified = false;
  let wake: (() => void) | undefined;
  const onNotification = (message: { payload?: string }) => {
    if (message.payload !== `${schema}:${runId}`) return;
    notified = true;
    wake?.();
  };
  client.on("notification", onNotification);
  const wait: WaitForEvents = (ms, signal) =>
    new Promise<void>((resolve) => {
      if (notified || signal?.aborted) {
        notified = false;
        return resolve();
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        wake = undefined;
        notified = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake = done;
      signal?.addEventListener("abort", done, { once: true });
    });
  let broken = false;
  try {
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    yield* followStoredEvents(store, runId, { ...options, pollInterval: options.pollInterval ?? 1000 }, wait);
  } finally {
    client.off("notification", onNotification);
    broken = await client.query(`UNLISTEN ${NOTIFY_CHANNEL}`).then(
      () => false,
      () => true,
    );
    client.release(broken);
  }
}
