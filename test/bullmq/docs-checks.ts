// The checks every run of the docs pipeline must pass, wherever its steps ran.
import { EventType, type PipeEvent } from "justpipe";
import { expect } from "vitest";
import { assertRunInvariants } from "../helpers.js";
import type { DocsState } from "./fixtures/docs-pipe.js";

/** One line of the side-effect log: `phase id attempt key pid`. */
export interface LogEntry {
  readonly phase: string;
  readonly id: string;
  readonly attempt: number;
  readonly key: string;
  readonly pid: number;
}

/** Parses side-effect log lines. */
export function parseLog(text: string): LogEntry[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [phase, id, attempt, key, pid] = line.split(" ");
      return { phase: phase!, id: id!, attempt: Number(attempt), key: key!, pid: Number(pid) };
    });
}

/**
 * Asserts what the acceptance test asks of a run of `count` items: one FINISH success, every
 * STEP_START closed once, exactly `count` results each right, the join and the switch ran, and each
 * item's final attempt's tokens complete and in order. Returns the ids of items whose tokens show a
 * re-execution.
 */
export function checkDocsRun(
  events: readonly PipeEvent<DocsState>[],
  state: DocsState,
  count: number,
): Set<string> {
  assertRunInvariants(events);
  const finish = events.at(-1)!;
  expect(finish.type).toBe(EventType.FINISH);
  expect(finish.type === EventType.FINISH && finish.payload.status).toBe("success");
  expect(Object.keys(state.results)).toHaveLength(count);
  for (let index = 0; index < count; index++) expect(state.results[`d${index}`]).toBe(`summary-d${index}`);
  expect(state.joined).toBe("L+R");
  expect(state.total).toBe(count);
  expect(events.filter((e) => e.type === EventType.MAP_WORKER)).toHaveLength(count);

  const tokensByInvocation = new Map<string, string[]>();
  for (const event of events) {
    if (event.type !== EventType.TOKEN) continue;
    const list = tokensByInvocation.get(event.invocationId!) ?? [];
    list.push(String(event.payload));
    tokensByInvocation.set(event.invocationId!, list);
  }
  const ended = events.filter((e) => e.type === EventType.STEP_END && e.stage === "embed");
  expect(ended).toHaveLength(count);
  const repeated = new Set<string>();
  for (const end of ended) {
    const tokens = tokensByInvocation.get(end.invocationId!) ?? [];
    const id = tokens.at(-1)?.split(":")[0] ?? "?";
    // The final execution's three tokens, complete and in order, end the invocation's tokens.
    expect(tokens.slice(-3)).toEqual([`${id}:0`, `${id}:1`, `${id}:2`]);
    if (tokens.length !== 3) repeated.add(id);
  }
  return repeated;
}
