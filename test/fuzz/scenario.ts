import fc from "fast-check";

/**
 * The engine fuzzer's scenarios: random pipelines (DAGs of steps, maps, switches and sub-pipelines,
 * with returned jumps) whose steps misbehave in chosen ways, run under random run-level faults.
 * Plain data, so a failing scenario prints as JSON and replays exactly.
 */

/** What a step's handler does once called. */
export type Behaviour =
  | "ok" // works for `delay` ms (honouring its signal), then follows `to`
  | "sync" // returns at once, synchronously
  | "microtask" // an async handler that never waits on I/O
  | "throw" // works, then throws
  | "throwUndefined" // works, then throws undefined
  | "flaky" // throws on its first attempt (retried)
  | "hangHonour" // waits until its signal aborts
  | "hangIgnore" // never settles, ignoring its signal
  | "stop" // returns Stop
  | "suspend" // returns new Suspend()
  | "skip" // returns new Skip()
  | "retry" // returns new Retry() on its first attempt
  | "raise"; // returns new Raise(error)

/** What the step's own `onError` decides (none: no handler). */
export type Recovery = "none" | "recover" | "skip" | "retry" | "raise" | "hang";

export interface StepSpec {
  kind: "step" | "map" | "switch" | "sub";
  behaviour: Behaviour;
  /** Work time in ms (multiples of 10) for the behaviours that work. */
  delay: number;
  /** Static successors (`to`), as indices of later steps; a switch's routes for `kind: "switch"`. */
  targets: number[];
  barrier: "all" | "any";
  /** A step timeout in ms, or 0 for none. */
  timeout: number;
  /** A barrier timeout in ms (joins only), or 0 for none. */
  barrierTimeout: number;
  /** Automatic retries (0: none). */
  retries: number;
  recovery: Recovery;
  /** A returned jump back to an earlier step (taken once per run), or -1. */
  jumpBack: number;
  /** Map steps: the items, and the behaviour and delay of the worker for each. */
  items: { behaviour: Behaviour; delay: number }[];
  maxConcurrency: number;
  /** Sub steps: the child pipeline; maps: when set, the worker is a sub step running it per item. */
  child: PipeSpec | undefined;
}

export interface PipeSpec {
  steps: StepSpec[];
}

export interface RunSpec {
  queueSize: number;
  /** Run timeout in ms (0: none). Faults fall on 5 (mod 10) so they never tie with step ends. */
  timeout: number;
  /** Cancel through the run's signal at this time (0: never). */
  cancelAt: number;
  /** The consumer leaves after this many events (0: never). */
  breakAfter: number;
  /**
   * Who runs the top pipe's handlers: the run itself, or `isolatedExecutor()` (copy-on-write state
   * views, deltas applied at the end). Absent in scenarios recorded before: `"inline"`.
   */
  executor?: "inline" | "isolated";
  /** A `MemoryStore` with this durability, or none. Absent in scenarios recorded before: `"none"`. */
  store?: "none" | "exit" | "step" | "sync";
}

export interface Scenario {
  pipe: PipeSpec;
  run: RunSpec;
}

const WORKING: Behaviour[] = ["ok", "ok", "ok", "sync", "microtask"];
const FAULTS: Behaviour[] = [
  "throw",
  "throwUndefined",
  "flaky",
  "hangHonour",
  "hangIgnore",
  "stop",
  "suspend",
  "skip",
  "retry",
  "raise",
];

const behaviourArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WORKING) },
  { weight: 1, arbitrary: fc.constantFrom(...FAULTS) },
);
const delayArbitrary = fc.integer({ min: 1, max: 5 }).map((k) => k * 10);

function stepArbitrary(i: number, n: number, depth: number): fc.Arbitrary<StepSpec & { parentPick: number }> {
  const kinds: StepSpec["kind"][] =
    depth < 2 ? ["step", "step", "step", "map", "switch", "sub"] : ["step", "step", "map", "switch"];
  return fc.record({
    kind: fc.constantFrom(...kinds),
    behaviour: behaviourArbitrary,
    delay: delayArbitrary,
    targets: fc.uniqueArray(fc.integer({ min: i + 1, max: Math.max(i + 1, n - 1) }), { maxLength: 3 }),
    barrier: fc.constantFrom<"all" | "any">("all", "all", "any"),
    timeout: fc.oneof(
      fc.constant(0),
      fc.constant(0),
      delayArbitrary.map((d) => d + 20),
    ),
    barrierTimeout: fc.oneof(
      fc.constant(0),
      fc.constant(0),
      fc.constant(0),
      delayArbitrary.map((d) => d * 2),
    ),
    retries: fc.constantFrom(0, 0, 1, 2),
    recovery: fc.constantFrom<Recovery>("none", "none", "none", "recover", "skip", "retry", "raise", "hang"),
    jumpBack:
      i === 0
        ? fc.constant(-1)
        : fc.oneof(fc.constant(-1), fc.constant(-1), fc.constant(-1), fc.integer({ min: 0, max: i - 1 })),
    items: fc.array(fc.record({ behaviour: behaviourArbitrary, delay: delayArbitrary }), { maxLength: 5 }),
    maxConcurrency: fc.constantFrom(0, 1, 2),
    child: depth < 2 ? fc.option(pipeArbitrary(depth + 1, 3), { nil: undefined }) : fc.constant(undefined),
    parentPick: fc.nat(),
  });
}

/** A pipeline of 1..maxSteps steps; every step after the first has a parent (a `to` or a switch route). */
export function pipeArbitrary(depth = 0, maxSteps = 7): fc.Arbitrary<PipeSpec> {
  return fc
    .integer({ min: 1, max: maxSteps })
    .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => stepArbitrary(i, n, depth))))
    .map((raw) => {
      const n = raw.length;
      const steps: StepSpec[] = raw.map(({ parentPick: _, ...step }, i) => {
        const kind = step.kind === "sub" && step.child === undefined ? "step" : step.kind;
        return {
          ...step,
          kind,
          targets: step.targets.filter((t) => t > i && t < n),
          // Only maps have items and only sub steps a child: drop the rest (scenarios print shorter).
          items: kind === "map" ? step.items : [],
          maxConcurrency: kind === "map" ? step.maxConcurrency : 0,
          // A map with a child pipeline runs it per item (its worker is a sub step).
          child: kind === "sub" || kind === "map" ? step.child : undefined,
        };
      });
      for (let i = 1; i < n; i++) {
        if (!steps.some((s) => s.targets.includes(i))) steps[raw[i]!.parentPick % i]!.targets.push(i);
      }
      // A switch with no route has nothing to return: make it a plain step.
      for (const step of steps) if (step.kind === "switch" && step.targets.length === 0) step.kind = "step";
      return { steps };
    });
}

export const runArbitrary: fc.Arbitrary<RunSpec> = fc.record({
  queueSize: fc.constantFrom(0, 1, 2, 1000),
  timeout: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 30 }).map((k) => 5 + 10 * k),
  ),
  cancelAt: fc.oneof(
    fc.constant(0),
    fc.constant(0),
    fc.integer({ min: 0, max: 30 }).map((k) => 5 + 10 * k),
  ),
  breakAfter: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 40 })),
  executor: fc.constantFrom<"inline" | "isolated">("inline", "inline", "inline", "isolated"),
  store: fc.constantFrom<"none" | "exit" | "step" | "sync">("none", "none", "none", "exit", "step", "sync"),
});

export const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  pipe: pipeArbitrary(),
  run: runArbitrary,
});
