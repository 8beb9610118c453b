import { useEffect, useState } from "preact/hooks";
import { getJson, type RunDetail, type RunRecord, runUrl, type StoredEvent } from "./api.js";
import { lastSeqOf } from "./model/run-view.js";

const FIRST_PAGE = 500;
const NEXT_PAGE = 10_000;

export interface LiveRun {
  detail: RunDetail | undefined;
  events: StoredEvent[];
  loading: boolean;
  error: string | undefined;
}

/**
 * A run and its events: the first events at once (the first screen), the rest in pages behind
 * it, then, while the run is still going, new events from the server-sent stream as they are stored.
 */
export function useRun(runId: string): LiveRun {
  const [state, setState] = useState<LiveRun>({
    detail: undefined,
    events: [],
    loading: true,
    error: undefined,
  });
  useEffect(() => {
    const controller = new AbortController();
    let source: EventSource | undefined;
    let events: StoredEvent[] = [];
    setState({ detail: undefined, events: [], loading: true, error: undefined });
    const load = async () => {
      // The run and the first screenful of events at once; the rest in large pages behind them.
      const eventsUrl = `${runUrl(runId)}/events`;
      const [detail, first] = await Promise.all([
        getJson<RunDetail>(runUrl(runId), {}, controller.signal),
        getJson<{ events: StoredEvent[] }>(eventsUrl, { limit: FIRST_PAGE }, controller.signal),
      ]);
      events = first.events;
      setState((previous) => ({ ...previous, detail, events, loading: events.length === FIRST_PAGE }));
      let more = events.length === FIRST_PAGE;
      while (more) {
        // Let the first screen paint before the next page is parsed and drawn.
        await new Promise((resolve) => setTimeout(resolve, 0));
        const page = await getJson<{ events: StoredEvent[] }>(
          eventsUrl,
          { afterSeq: lastSeqOf(events.at(-1)), limit: NEXT_PAGE },
          controller.signal,
        );
        events = events.concat(page.events);
        more = page.events.length === NEXT_PAGE;
        setState((previous) => ({ ...previous, events, loading: more }));
      }
      if (detail.run.status !== "running" || controller.signal.aborted) return;
      source = new EventSource(`${runUrl(detail.run.runId)}/stream?afterSeq=${lastSeqOf(events.at(-1))}`);
      source.addEventListener("events", (message) => {
        const batch = JSON.parse((message as MessageEvent<string>).data) as StoredEvent[];
        const lastSeq = lastSeqOf(events.at(-1));
        events = events.concat(batch.filter((event) => event.seq > lastSeq));
        setState((previous) => ({ ...previous, events }));
      });
      source.addEventListener("run", (message) => {
        const run = JSON.parse((message as MessageEvent<string>).data) as RunRecord;
        setState((previous) =>
          previous.detail ? { ...previous, detail: { ...previous.detail, run } } : previous,
        );
      });
      source.addEventListener("end", () => source?.close());
    };
    load().catch((error: unknown) => {
      if (!controller.signal.aborted)
        setState((previous) => ({
          ...previous,
          loading: false,
          error: String((error as Error).message ?? error),
        }));
    });
    return () => {
      controller.abort();
      source?.close();
    };
  }, [runId]);
  return state;
}
