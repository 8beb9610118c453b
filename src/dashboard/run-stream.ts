import type { IncomingMessage, ServerResponse } from "node:http";
import { toJson } from "./json.js";
import type { RunReader, RunRecord } from "./store-contract.js";

/** How often a live stream looks for newly stored events. */
const POLL_MS = 200;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;
/** Events per `events` message. */
const BATCH = 2000;

/**
 * Streams a run as server-sent events while it is stored: `events` (a JSON array of stored
 * events, the id being the last `seq`), `run` (the run record, whenever its status changes) and
 * `end` once the run has ended and every event was sent. A reconnecting `EventSource` sends
 * `Last-Event-ID` and continues after it.
 */
export async function streamRun(
  reader: RunReader,
  run: RunRecord,
  request: IncomingMessage,
  response: ServerResponse,
  startAfter: number,
): Promise<void> {
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  response.write("retry: 1000\n\n");
  let closed = false;
  const stop = () => {
    closed = true;
  };
  request.once("close", stop);
  response.once("close", stop);
  let afterSeq = startAfter;
  let current = run;
  let lastBeat = Date.now();
  response.write(`event: run\ndata: ${toJson(current)}\n\n`);
  try {
    while (!closed) {
      const events = await reader.getEvents(current.runId, { afterSeq, limit: BATCH });
      if (closed) break;
      const last = events.at(-1);
      if (last !== undefined) {
        afterSeq = last.coalesced?.lastSeq ?? last.seq;
        response.write(`id: ${afterSeq}\nevent: events\ndata: ${toJson(events)}\n\n`);
        if (events.length === BATCH) continue;
      }
      const latest = await reader.getRun(current.runId);
      if (latest !== undefined && (latest.status !== current.status || latest.endedAt !== current.endedAt)) {
        current = latest;
        response.write(`event: run\ndata: ${toJson(current)}\n\n`);
      }
      if (current.status !== "running" && last === undefined) {
        response.write("event: end\ndata: {}\n\n");
        break;
      }
      if (Date.now() - lastBeat > HEARTBEAT_MS) {
        response.write(": keep-alive\n\n");
        lastBeat = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } catch (error) {
    if (!closed) {
      const message = error instanceof Error ? error.message : String(error);
      response.write(`event: failure\ndata: ${toJson({ error: message })}\n\n`);
    }
  } finally {
    request.off("close", stop);
    response.off("close", stop);
    response.end();
  }
}
