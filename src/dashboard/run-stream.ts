import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunRecord, Store, StoredEvent } from "../index.js";
import { toJson } from "./json.js";

/** How often the store is asked for newly stored events (stores that can push ignore it). */
const POLL_MS = 200;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Events per `events` message at most. */
const BATCH = 2000;
/** Events that arrive within this window go out as one message. */
const GATHER_MS = 20;

/**
 * Streams a run as server-sent events while it is stored, following the store
 * (`store.followEvents`): `run` (the run record, at the start and once it has ended), `events` (a
 * JSON array of stored events, the SSE id being the last `seq` they cover) and `end` once the run
 * has ended and every event was sent. A reconnecting `EventSource` sends `Last-Event-ID` and
 * continues after it.
 */
export async function streamRun(
  store: Store,
  run: RunRecord,
  request: IncomingMessage,
  response: ServerResponse,
  afterSeq: number,
): Promise<void> {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.write(`retry: 1000\n\nevent: run\ndata: ${toJson(run)}\n\n`);
  const controller = new AbortController();
  const stop = () => controller.abort();
  request.once("close", stop);
  response.once("close", stop);
  const heartbeat = setInterval(() => response.write(": keep-alive\n\n"), HEARTBEAT_MS);
  let batch: StoredEvent[] = [];
  let gather: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(gather);
    gather = undefined;
    if (batch.length === 0 || controller.signal.aborted) return;
    const last = batch.at(-1)!;
    response.write(`id: ${last.coalesced?.lastSeq ?? last.seq}\nevent: events\ndata: ${toJson(batch)}\n\n`);
    batch = [];
  };
  try {
    const events = store.followEvents(run.runId, {
      afterSeq,
      signal: controller.signal,
      pollInterval: POLL_MS,
    });
    for await (const event of events) {
      batch.push(event);
      if (batch.length >= BATCH) flush();
      else gather ??= setTimeout(flush, GATHER_MS);
    }
    flush();
    if (!controller.signal.aborted) {
      const ended = (await store.getRun(run.runId)) ?? run;
      response.write(`event: run\ndata: ${toJson(ended)}\n\nevent: end\ndata: {}\n\n`);
    }
  } catch (error) {
    if (!controller.signal.aborted) {
      const message = error instanceof Error ? error.message : String(error);
      response.write(`event: failure\ndata: ${toJson({ error: message })}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    clearTimeout(gather);
    request.off("close", stop);
    response.off("close", stop);
    response.end();
  }
}
