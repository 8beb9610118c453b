import { BarrierTimeoutError, EventType, type PipeEvent, type PipelineEndData } from "../src/index.js";

/** Collects every event of a run. */
export async function collect<S>(stream: AsyncIterable<PipeEvent<S>>): Promise<PipeEvent<S>[]> {
  const events: PipeEvent<S>[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The top-level FINISH payload (throws when there is none or it is not last). */
export function finishOf(events: readonly PipeEvent<unknown>[]): PipelineEndData {
  const last = events.at(-1);
  if (last?.type !== EventType.FINISH || last.parentRunId !== null)
    throw new Error("the last event is not FINISH");
  return last.payload;
}

/** `type:stage` of each event, for order assertions. */
export function trace(events: readonly PipeEvent<unknown>[], types?: readonly string[]): string[] {
  return events
    .filter((e) => types === undefined || types.includes(e.type))
    .map((e) => `${e.type}:${e.stage}`);
}

const TERMINAL = new Set<string>([EventType.STEP_END, EventType.STEP_ERROR, EventType.CANCELLED]);

/**
 * The invariants every run must keep: exactly one top-level FINISH and it is last; seq is 1..n;
 * every STEP_START is closed by exactly one STEP_END, STEP_ERROR or CANCELLED of its invocation,
 * after it; tokens of an invocation come between its start and its close.
 */
export function assertRunInvariants(
  events: readonly PipeEvent<unknown>[],
  options: { finished?: boolean } = {},
): void {
  const problems: string[] = [];
  events.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`event ${i} has seq ${e.seq}, expected ${i + 1}`);
  });
  const finishes = events.filter((e) => e.type === EventType.FINISH && e.parentRunId === null);
  if (options.finished !== false) {
    if (finishes.length !== 1) problems.push(`expected exactly one top-level FINISH, got ${finishes.length}`);
    else if (events.at(-1) !== finishes[0]) problems.push("FINISH is not the last event");
  } else if (finishes.length !== 0) problems.push("a closed stream delivered FINISH");
  const open = new Map<string, number>();
  const closed = new Set<string>();
  events.forEach((e, i) => {
    if (e.type === EventType.STEP_START) {
      if (e.invocationId === null) problems.push(`STEP_START ${e.stage} without invocationId`);
      else if (open.has(e.invocationId) || closed.has(e.invocationId))
        problems.push(`duplicate STEP_START ${e.invocationId}`);
      else open.set(e.invocationId, i);
    } else if (TERMINAL.has(e.type) && e.invocationId !== null) {
      if (!open.has(e.invocationId) && !closed.has(e.invocationId) && isBarrierTimeout(e)) {
        // A join whose barrier timed out never ran: its failure (or recovery) comes without a start.
        closed.add(e.invocationId);
        return;
      }
      if (!open.has(e.invocationId)) {
        problems.push(
          `${e.type} ${e.stage} (${e.invocationId}) closes nothing open (closed twice or never started)`,
        );
      }
      open.delete(e.invocationId);
      closed.add(e.invocationId);
    } else if (e.type === EventType.TOKEN && e.invocationId !== null && !open.has(e.invocationId)) {
      problems.push(`TOKEN of ${e.stage} outside its invocation`);
    }
  });
  if (options.finished !== false) {
    for (const [id, i] of open) problems.push(`STEP_START ${events[i]!.stage} (${id}) never closed`);
  }
  if (problems.length > 0) throw new Error(`run invariants broken:\n  ${problems.join("\n  ")}`);
}

/** The close of a join whose barrier timed out (its handler never ran, so it has no STEP_START). */
function isBarrierTimeout(e: PipeEvent<unknown>): boolean {
  const payload = e.payload as { error?: unknown } | undefined;
  if (payload?.error instanceof BarrierTimeoutError) return true;
  const framework = (e.meta as { framework?: { error?: unknown } } | null)?.framework;
  return typeof framework?.error === "string" && /^Barrier of step/.test(framework.error);
}
