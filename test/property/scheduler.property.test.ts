import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";
import { turns } from "../resilience/support.js";

type Behaviour = "sync" | "async" | "stream" | "fail" | "jump";

interface NodeSpec {
  behaviour: Behaviour;
  targets: number[];
  barrier: "all" | "any";
  tokens: number;
  jumpTo: number;
}

/** A random DAG: node i only points at nodes after it; node 0 is the only root. */
const dagArbitrary = fc
  .integer({ min: 1, max: 10 })
  .chain((n) =>
    fc.record({
      queueSize: fc.constantFrom(0, 1, 2, 5, 1000),
      nodes: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            behaviour: fc.constantFrom<Behaviour>("sync", "async", "stream", "sync", "async", "fail", "jump"),
            targets: fc.uniqueArray(fc.integer({ min: i + 1, max: Math.max(i + 1, n - 1) }), {
              maxLength: 3,
            }),
            barrier: fc.constantFrom<"all" | "any">("all", "all", "any"),
            tokens: fc.integer({ min: 0, max: 4 }),
            jumpTo: fc.integer({ min: i + 1, max: Math.max(i + 1, n - 1) }),
            parentPick: fc.nat(),
          }),
        ),
      ),
    }),
  )
  .map(({ queueSize, nodes }) => {
    const n = nodes.length;
    const specs: NodeSpec[] = nodes.map((node, i) => ({
      behaviour: node.behaviour === "jump" && i === n - 1 ? "sync" : node.behaviour,
      targets: node.targets.filter((t) => t < n && t > i),
      barrier: node.barrier,
      tokens: node.tokens,
      jumpTo: node.jumpTo,
    }));
    // Every node but the root gets a static parent, so node 0 is the only root.
    for (let i = 1; i < n; i++) {
      if (!specs.some((s) => s.targets.includes(i))) specs[nodes[i]!.parentPick % i]!.targets.push(i);
    }
    return { queueSize, specs };
  });

const name = (i: number) => `n${i}`;

function buildPipe(specs: readonly NodeSpec[], queueSize: number): Pipe<{ ran: string[] }> {
  const pipe = new Pipe<{ ran: string[] }>({ queueSize });
  specs.forEach((spec, i) => {
    const options = {
      to: spec.targets.map(name),
      barrierType: spec.barrier,
      ...(spec.behaviour === "jump" ? { routes: [name(spec.jumpTo)] } : {}),
    };
    switch (spec.behaviour) {
      case "sync":
        pipe.step(
          name(i),
          ({ state }) => {
            state.ran.push(name(i));
          },
          options,
        );
        break;
      case "async":
        pipe.step(
          name(i),
          async ({ state }) => {
            await new Promise((r) => setImmediate(r));
            state.ran.push(name(i));
          },
          options,
        );
        break;
      case "stream":
        pipe.step(
          name(i),
          async function* ({ state }) {
            for (let t = 0; t < spec.tokens; t++) yield `${name(i)}:${t}`;
            state.ran.push(name(i));
          },
          options,
        );
        break;
      case "fail":
        pipe.step(
          name(i),
          async () => {
            await Promise.resolve();
            throw new Error(`${name(i)} failed`);
          },
          options,
        );
        break;
      case "jump":
        pipe.step(
          name(i),
          ({ state }) => {
            state.ran.push(name(i));
            return name(spec.jumpTo);
          },
          options,
        );
        break;
    }
  });
  return pipe;
}

function checkJoins(specs: readonly NodeSpec[], events: readonly PipeEvent<unknown>[]): void {
  const parents = new Map<string, string[]>();
  specs.forEach((s, i) => {
    for (const t of s.targets) parents.set(name(t), [...(parents.get(name(t)) ?? []), name(i)]);
  });
  const stageOf = new Map<string, string>();
  const ended = new Set<string>();
  for (const e of events) {
    if (e.type === EventType.STEP_START) {
      stageOf.set(e.invocationId!, e.stage);
      const ps = parents.get(e.stage) ?? [];
      const cause = e.parentInvocationId === null ? undefined : stageOf.get(e.parentInvocationId);
      if (ps.length < 2 || cause === undefined || !ps.includes(cause)) continue;
      const causeSpec = specs[Number(cause.slice(1))]!;
      // A jump into a join bypasses its barrier by design.
      if (causeSpec.behaviour === "jump" && name(causeSpec.jumpTo) === e.stage) continue;
      const spec = specs[Number(e.stage.slice(1))]!;
      const done = ps.filter((p) => ended.has(p));
      if (spec.barrier === "all") expect(done.sort()).toEqual([...ps].sort());
      else expect(done.length).toBeGreaterThanOrEqual(1);
    }
    if (e.type === EventType.STEP_END) ended.add(e.stage);
  }
}

describe("scheduler properties over random DAGs", () => {
  it("keeps every run invariant and honours barriers", async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, async ({ queueSize, specs }) => {
        const pipe = buildPipe(specs, queueSize);
        const state = { ran: [] as string[] };
        const events = await collect(pipe.run(state));
        assertRunInvariants(events);
        checkJoins(specs, events);
        const end = finishOf(events);
        const failedStarts = events.filter(
          (e) => e.type === EventType.STEP_START && specs[Number(e.stage.slice(1))]!.behaviour === "fail",
        );
        if (failedStarts.length > 0) expect(end.status).toBe("failed");
        else {
          expect(end.status).toBe("success");
          // With no failure and no jump, every step runs exactly once.
          if (!specs.some((s) => s.behaviour === "jump") && !specs.some((s) => s.barrier === "any")) {
            expect([...state.ran].sort()).toEqual(
              specs
                .filter((s) => s.behaviour !== "fail")
                .map((_, i) => name(i))
                .sort(),
            );
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("starts nothing once the consumer leaves early, and what it delivered is consistent", async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary, fc.nat(20), async ({ queueSize, specs }, stopAfter) => {
        const pipe = buildPipe(specs, queueSize);
        // Every handler call, recorded as it begins (a step started after the close would show here).
        const entered: string[] = [];
        pipe.addMiddleware((next, step) => (args) => {
          entered.push(step.name);
          return next(args);
        });
        const events: PipeEvent<{ ran: string[] }>[] = [];
        for await (const event of pipe.run({ ran: [] })) {
          events.push(event);
          if (events.length > stopAfter) break;
        }
        const finished = events.at(-1)?.type === EventType.FINISH;
        assertRunInvariants(events, { finished });
        // return() has settled: the run is closed, so no handler may begin from here on.
        const atClose = entered.length;
        await turns(5);
        expect(entered).toHaveLength(atClose);
      }),
      { numRuns: 150 },
    );
  });
});
