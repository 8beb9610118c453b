import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent } from "../../src/index.js";
import { collect, finishOf } from "../helpers.js";

/**
 * A child run without observers runs inline: its events go straight to the run that must see
 * them (issue 13, item 2). A child with an observer still runs as a stream its sub step forwards,
 * level by level. Both must give the consumer the same events: same stages, lineage, scopes and
 * numbering.
 */

type Shape = (string | number | null | readonly string[])[];

/** The events with run and invocation ids replaced by their order of first appearance. */
function shapes(events: readonly PipeEvent[]): Shape[] {
  const ids = new Map<string, string>();
  const id = (value: string | null) => {
    if (value === null) return null;
    if (!ids.has(value)) ids.set(value, `#${ids.size}`);
    return ids.get(value)!;
  };
  return events.map((e) => [
    e.type,
    e.stage,
    e.seq,
    id(e.runId),
    id(e.originRunId),
    id(e.parentRunId),
    id(e.invocationId),
    id(e.parentInvocationId),
    id(e.ownerInvocationId),
    e.attempt,
    e.scope,
    e.nodeKind,
  ]);
}

/**
 * Three levels under the top: a map whose workers are sub steps, a child with steps before and
 * after its own sub step, a failing-then-retried step with a token at the bottom. `observed` levels get a no-op observer.
 */
function tree(observed: ReadonlySet<number>, hooked: ReadonlySet<number> = new Set()): Pipe<{ n: number }> {
  const level = (depth: number) => {
    const pipe = new Pipe<{ n: number }>({ name: `level${depth}` });
    if (observed.has(depth)) pipe.addObserver({ onEvent: () => {} });
    if (hooked.has(depth)) pipe.addEventHook((event) => ({ ...event, meta: { seenBy: depth } }));
    return pipe;
  };
  const bottom = level(3);
  let tries = 0;
  bottom.step(
    "flaky",
    async function* () {
      if (tries++ === 0) throw new Error("first try fails");
      yield "token";
    },
    { retries: { attempts: 1, minDelay: 1 } },
  );
  const middle = level(2);
  middle.step("first", () => {}, { to: "down" });
  middle.sub("down", ({ state }) => state, { pipeline: bottom, to: "last" });
  middle.step("last", () => {});
  const upper = level(1);
  // One worker at a time: the order of concurrent branches is not part of the contract.
  upper.map("fan", () => [1, 2], { each: "worker", maxConcurrency: 1 });
  upper.sub("worker", ({ item }) => ({ n: item as number }), { pipeline: middle });
  const top = level(0);
  top.sub("down", ({ state }) => state, { pipeline: upper });
  return top;
}

describe("sub-pipelines run inline", () => {
  it("deliver the same events as children forwarded level by level", async () => {
    const streamed = shapes(await collect(tree(new Set([1, 2, 3])).run({ n: 0 })));
    const inline = shapes(await collect(tree(new Set()).run({ n: 0 })));
    expect(streamed.length).toBeGreaterThan(30);
    expect(inline).toEqual(streamed);
    // Mixed: only the middle level streams.
    expect(shapes(await collect(tree(new Set([2])).run({ n: 0 })))).toEqual(streamed);
  });

  it("apply the event hooks of every level on the way, inner first", async () => {
    const events = await collect(tree(new Set(), new Set([0, 2])).run({ n: 0 }));
    expect(finishOf(events).status).toBe("success");
    const token = events.find((e) => e.type === EventType.TOKEN)!;
    // Level 2's hook saw it first, then the top's replaced the meta.
    expect(token.meta).toEqual({ seenBy: 0 });
    const streamed = shapes(await collect(tree(new Set([1, 2, 3]), new Set([0, 2])).run({ n: 0 })));
    expect(shapes(events)).toEqual(streamed);
  });

  it("are closed before their parent's shutdown hooks when the consumer leaves", async () => {
    const log: string[] = [];
    const child = new Pipe({ name: "child" });
    child.onShutdown(() => void log.push("child shutdown"));
    child.step(
      "wait",
      ({ signal }) => new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve())),
    );
    const pipe = new Pipe({ name: "parent" });
    pipe.onShutdown(() => void log.push("parent shutdown"));
    pipe.sub("down", () => ({}), { pipeline: child });
    for await (const event of pipe.run({})) {
      if (event.type === EventType.STEP_START && event.stage === "down:wait") break;
    }
    expect(log).toEqual(["child shutdown", "parent shutdown"]);
  });
});
