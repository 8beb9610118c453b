// What the run page shows beyond the inspect layer's timeline: each step's state for the graph,
// and the text each token-producing step streamed.
import type { Timeline } from "../../../src/inspect/index.js";
import type { StoredEvent } from "../api.js";

/** What a step did in a run, as the graph colours it. */
export type StepState = "running" | "failed" | "cancelled" | "suspended" | "ended" | "skipped" | "never";

const RANK = { success: 0, retried: 0, cancelled: 1, failed: 2, running: 3 } as const;

/**
 * Each top-level step's state: the most telling status of its invocations (running, failed,
 * cancelled, ended; a failed attempt that was retried counts as its retry did), `suspended` for the
 * step that suspended the run, `skipped` for a step that never ran in a successful run (a `Skip`,
 * a switch or `Stop` routed around it), else `never` reached.
 */
export function stepStates(
  stepNames: readonly string[],
  timeline: Timeline,
  runStatus: string,
): Map<string, StepState> {
  const states = new Map<string, StepState>();
  for (const name of stepNames) states.set(name, runStatus === "success" ? "skipped" : "never");
  for (const lane of timeline.lanes) {
    if (lane.depth > 0) continue;
    let worst: keyof typeof RANK = "success";
    for (const invocation of lane.invocations) {
      if (invocation.status !== "retried" && RANK[invocation.status] > RANK[worst]) worst = invocation.status;
    }
    const state: StepState = worst === "success" ? "ended" : worst === "running" ? "running" : worst;
    states.set(lane.key, state);
  }
  for (const suspend of timeline.suspends) {
    if (states.get(suspend.step) === "ended") states.set(suspend.step, "suspended");
  }
  return states;
}

/** The `seq` a reader continues after: a coalesced row covers up to its `lastSeq`. */
export function lastSeqOf(event: StoredEvent | undefined): number {
  return event === undefined ? 0 : (event.coalesced?.lastSeq ?? event.seq);
}

/** The text streamed by each stage that yielded tokens, in order (non-text tokens as JSON). */
export function streamedText(events: readonly StoredEvent[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const event of events) {
    if (event.type !== "token") continue;
    // A coalesced row holds the payloads of several tokens.
    const payloads = event.coalesced === undefined ? [event.payload] : (event.payload as unknown[]);
    const text = payloads
      .map((payload) => (typeof payload === "string" ? payload : JSON.stringify(payload)))
      .join("");
    texts.set(event.stage, (texts.get(event.stage) ?? "") + text);
  }
  return texts;
}
