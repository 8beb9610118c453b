import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent, Stop } from "../../src/index.js";
import { assertRunInvariants, collect, finishOf } from "../helpers.js";

/**
 * Random pipelines mixing every kind of step: plain, streaming, map (sync or async source, with or
 * without a limit), switch (with Stop and default routes) and sub-pipelines (which may themselves
 * fail), wired as a DAG from a single root. Every run must keep the stream invariants.
 */
type Kind = "step" | "stream" | "map" | "switch" | "sub" | "fail";

interface Spec {
  kind: Kind;
  to: number[];
  items: number;
  limit: number | undefined;
  asyncSource: boolean;
  route: number;
  childFails: boolean;
}

const specArbitrary = (i: number, n: number) =>
  fc.record({
    kind: fc.constantFrom<Kind>("step", "stream", "map", "switch", "sub", "step", "fail"),
    to: fc.uniqueArray(fc.integer({ min: i + 1, max: Math.max(i + 1, n - 1) }), { maxLength: 2 }),
    items: fc.integer({ min: 0, max: 6 }),
    limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
    asyncSource: fc.boolean(),
    route: fc.nat(),
    childFails: fc.boolean(),
  });

const pipelineArbitrary = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.record({
      queueSize: fc.constantFrom(0, 1, 3, 1000),
      specs: fc.tuple(...Array.from({ length: n }, (_, i) => specArbitrary(i, n))),
    }),
  )
  .map(({ queueSize, specs }) => {
    const n = specs.length;
    const fixed: Spec[] = specs.map((s, i) => ({
      ...s,
      to: s.to.filter((t) => t > i && t < n),
      // A switch needs somewhere to go: the last node switches to Stop only.
      kind: s.kind === "switch" && i === n - 1 ? "step" : s.kind,
    }));
    for (let i = 1; i < n; i++) {
      if (!fixed.some((s, j) => j < i && (s.to.includes(i) || (s.kind === "switch" && s.to.includes(i))))) {
        fixed[i - 1]!.to.push(i);
      }
    }
    return { queueSize, specs: fixed };
  });

const name = (i: number) => `n${i}`;

function child(fails: boolean): Pipe<{ x: number }> {
  const pipe = new Pipe<{ x: number }>({ name: "child" });
  pipe.step("inner", async function* ({ state }) {
    yield state.x;
    if (fails) throw new Error("child failed");
  });
  return pipe;
}

function build(specs: readonly Spec[], queueSize: number): Pipe<object> {
  const pipe = new Pipe<object>({ queueSize, allowMultiRoot: true });
  specs.forEach((spec, i) => {
    const to = spec.to.map(name);
    switch (spec.kind) {
      case "step":
        pipe.step(name(i), async () => {}, { to });
        break;
      case "fail":
        pipe.step(
          name(i),
          () => {
            throw new Error(`${name(i)} failed`);
          },
          { to },
        );
        break;
      case "stream":
        pipe.step(
          name(i),
          async function* () {
            yield 1;
            yield 2;
          },
          { to },
        );
        break;
      case "map": {
        const worker = `${name(i)}_worker`;
        const items = Array.from({ length: spec.items }, (_, k) => k);
        pipe.map(
          name(i),
          spec.asyncSource
            ? async function* () {
                for (const item of items) yield item;
              }
            : () => items,
          { each: worker, to, ...(spec.limit === undefined ? {} : { maxConcurrency: spec.limit }) },
        );
        pipe.step(worker, async () => {});
        break;
      }
      case "switch": {
        const targets = to.length > 0 ? to : [];
        const table: Record<string, string | typeof Stop> = { stop: Stop };
        targets.forEach((t, k) => {
          table[`r${k}`] = t;
        });
        const keys = Object.keys(table);
        pipe.switch(name(i), () => keys[spec.route % keys.length], { to: table });
        break;
      }
      case "sub":
        pipe.sub(name(i), () => ({ x: i }), { pipeline: child(spec.childFails), to });
        break;
    }
  });
  return pipe;
}

describe("scheduler properties over every kind of step", () => {
  it("keeps the stream invariants with maps, switches and sub-pipelines", async () => {
    await fc.assert(
      fc.asyncProperty(pipelineArbitrary, async ({ queueSize, specs }) => {
        const pipe = build(specs, queueSize);
        const events = await collect(pipe.run({}, { start: name(0) }));
        assertRunInvariants(events);
        const end = finishOf(events);
        const top = events.filter((e) => e.parentRunId === null);
        const started = new Set(top.filter((e) => e.type === EventType.STEP_START).map((e) => e.stage));
        const failing = specs.some(
          (s, i) => started.has(name(i)) && (s.kind === "fail" || (s.kind === "sub" && s.childFails)),
        );
        expect(end.status).toBe(failing ? "failed" : "success");
        // Map bookkeeping: every completed map reports as many items as it started workers.
        for (const e of top) {
          if (e.type !== EventType.MAP_COMPLETE) continue;
          const workers = top.filter(
            (w): w is Extract<PipeEvent<object>, { type: "map_worker" }> =>
              w.type === EventType.MAP_WORKER && w.invocationId === e.invocationId,
          );
          expect(workers).toHaveLength(e.payload.itemCount);
        }
      }),
      { numRuns: 200 },
    );
  });
});
