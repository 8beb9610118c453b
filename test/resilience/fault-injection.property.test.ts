import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EventType,
  Pipe,
  type PipeEvent,
  Raise,
  SimulatedClock,
  Skip,
  StepTimeoutError,
  Stop,
} from "../../src/index.js";
import { drive, never, sleepOn, untilAborted } from "./support.js";

/**
 * What a step does:
 * - ok: works for `delay` ms (honouring its signal);
 * - throw: works, then throws;
 * - flaky: throws on its first attempt, succeeds on the retry (retries: 1, 10 ms backoff);
 * - handled: throws, its onError recovers;
 * - timeoutHonour: hangs until its signal aborts, with `timeout: delay`;
 * - timeoutIgnore: hangs forever ignoring its signal, with `timeout: delay`;
 * - hang: hangs forever ignoring its signal, no timeout (only a run timeout or cancellation ends it);
 * - stop: works, then returns Stop (nothing new starts, running steps finish).
 */
type Fault = "ok" | "throw" | "flaky" | "handled" | "timeoutHonour" | "timeoutIgnore" | "hang" | "stop";

const FAILING = new Set<Fault>(["throw", "timeoutHonour", "timeoutIgnore"]);

interface NodeSpec {
  fault: Fault;
  delay: number;
  targets: number[];
  barrier: "all" | "any";
}

type RunFault = { kind: "none" } | { kind: "timeout"; at: number } | { kind: "cancel"; at: number };

interface Scenario {
  specs: NodeSpec[];
  runFault: RunFault;
}

// Step times are multiples of 10 ms and run faults fall on 5 (mod 10), so they never tie.
const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .integer({ min: 1, max: 8 })
  .chain((n) =>
    fc.record({
      runFault: fc.oneof(
        fc.constant<RunFault>({ kind: "none" }),
        fc.integer({ min: 0, max: 30 }).map<RunFault>((k) => ({ kind: "timeout", at: 5 + 10 * k })),
        fc.integer({ min: 0, max: 30 }).map<RunFault>((k) => ({ kind: "cancel", at: 5 + 10 * k })),
      ),
      nodes: fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            fault: fc.constantFrom<Fault>(
              "ok",
              "ok",
              "ok",
              "ok",
              "throw",
              "flaky",
              "handled",
              "timeoutHonour",
              "timeoutIgnore",
              "hang",
              "stop",
            ),
            delay: fc.integer({ min: 1, max: 5 }).map((k) => k * 10),
            targets: fc.uniqueArray(fc.integer({ min: i + 1, max: Math.max(i + 1, n - 1) }), {
              maxLength: 3,
            }),
            barrier: fc.constantFrom<"all" | "any">("all", "all", "any"),
            parentPick: fc.nat(),
          }),
        ),
      ),
    }),
  )
  .map(({ runFault, nodes }) => {
    const n = nodes.length;
    const specs: NodeSpec[] = nodes.map((node, i) => ({
      // Without a run timeout or cancellation nothing would end a hung step.
      fault: node.fault === "hang" && runFault.kind === "none" ? "ok" : node.fault,
      delay: node.delay,
      targets: node.targets.filter((t) => t > i && t < n),
      barrier: node.barrier,
    }));
    for (let i = 1; i < n; i++) {
      if (!specs.some((s) => s.targets.includes(i))) specs[nodes[i]!.parentPick % i]!.targets.push(i);
    }
    return { specs, runFault };
  });

const name = (i: number) => `n${i}`;

function build(specs: readonly NodeSpec[], clock: SimulatedClock) {
  const signals = new Map<string, AbortSignal>();
  const shutdowns = { count: 0 };
  const pipe = new Pipe({ name: "faults", clock, maxRetries: 5 });
  pipe.onShutdown(() => {
    shutdowns.count++;
  });
  specs.forEach((spec, i) => {
    const step = name(i);
    const base = { to: spec.targets.map(name), barrierType: spec.barrier };
    const track = (attempt: number, signal: AbortSignal) => signals.set(`${step}#${attempt}`, signal);
    switch (spec.fault) {
      case "ok":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await sleepOn(clock, spec.delay, signal);
          },
          base,
        );
        break;
      case "throw":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await sleepOn(clock, spec.delay, signal);
            throw new Error(`${step} failed`);
          },
          base,
        );
        break;
      case "flaky":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await sleepOn(clock, spec.delay, signal);
            if (attempt === 1) throw new Error(`${step} flaked`);
          },
          { ...base, retries: { attempts: 1, minDelay: 10, jitter: false } },
        );
        break;
      case "handled":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await sleepOn(clock, spec.delay, signal);
            throw new Error(`${step} handled`);
          },
          { ...base, onError: () => undefined },
        );
        break;
      case "timeoutHonour":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await untilAborted(signal);
          },
          { ...base, timeout: spec.delay },
        );
        break;
      case "timeoutIgnore":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await never();
          },
          { ...base, timeout: spec.delay },
        );
        break;
      case "stop":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await sleepOn(clock, spec.delay, signal);
            return Stop;
          },
          base,
        );
        break;
      case "hang":
        pipe.step(
          step,
          async ({ signal, attempt }) => {
            track(attempt, signal);
            await never();
          },
          base,
        );
        break;
    }
  });
  return { pipe, signals, shutdowns };
}

function faultOf(specs: readonly NodeSpec[], stage: string): Fault {
  return specs[Number(stage.slice(1))]!.fault;
}

/**
 * Runs `pipe` on `clock` under the run-level fault (a run timeout, or a cancel at a given time):
 * drive() checks the run invariants and fails when the run hangs. `end` is the FINISH time.
 */
async function runWithFault(clock: SimulatedClock, pipe: Pipe<any, any>, runFault: RunFault) {
  const controller = new AbortController();
  const cancelTimer =
    runFault.kind === "cancel" ? clock.setTimeout(() => controller.abort(), runFault.at) : undefined;
  const options = {
    ...(runFault.kind === "timeout" ? { timeout: runFault.at } : {}),
    ...(runFault.kind === "cancel" ? { signal: controller.signal } : {}),
  };
  const { events, finish } = await drive(clock, pipe.run({}, options), { maxTimers: 500 });
  if (cancelTimer !== undefined) clock.clearTimeout(cancelTimer);
  return { events, finish, end: events.at(-1)!.timestamp };
}

async function check({ specs, runFault }: Scenario): Promise<void> {
  const clock = new SimulatedClock();
  const { pipe, signals, shutdowns } = build(specs, clock);
  const { events, finish, end } = await runWithFault(clock, pipe, runFault);

  // Shutdown hooks ran exactly once.
  expect(shutdowns.count).toBe(1);

  // The run ended within its timeout (or at its cancellation), to the millisecond.
  if (runFault.kind !== "none") expect(end).toBeLessThanOrEqual(runFault.at);
  else {
    const bound = specs.reduce((sum, s) => sum + 2 * s.delay + 10, 0);
    expect(end).toBeLessThanOrEqual(bound);
  }

  const starts = events.filter((e) => e.type === EventType.STEP_START);
  const startedFaults = new Set(starts.map((e) => faultOf(specs, e.stage)));
  const failingStarted = [...FAILING].some((f) => startedFaults.has(f));
  const timeouts = events.filter((e) => e.type === EventType.TIMEOUT);
  const cancels = events.filter((e) => e.type === EventType.CANCELLED && e.stage === "system");

  // The terminal status matches the injected fault.
  if (runFault.kind === "timeout" && end === runFault.at) {
    expect(finish.status).toBe("timeout");
    expect(timeouts.map((e) => e.timestamp)).toEqual([runFault.at]);
  } else if (runFault.kind === "cancel" && end === runFault.at) {
    expect(finish.status).toBe("cancelled");
    expect(cancels.map((e) => e.timestamp)).toEqual([runFault.at]);
  } else {
    expect(timeouts).toEqual([]);
    expect(cancels).toEqual([]);
    expect(startedFaults.has("hang")).toBe(false);
    expect(finish.status).toBe(failingStarted ? "failed" : "success");
  }
  if (finish.status === "timeout" || finish.status === "cancelled") {
    expect(finish.failureKind).toBe("none");
    expect(finish.failureSource).toBe("none");
  }
  if (finish.status === "failed") {
    expect(finish.failureKind).toBe("step");
    expect(FAILING.has(faultOf(specs, finish.failedStep!))).toBe(true);
    const primary = finish.errors[0]!;
    expect(primary.step).toBe(finish.failedStep);
    if (faultOf(specs, finish.failedStep!) === "throw")
      expect(primary.error).toBe(`${finish.failedStep} failed`);
    else expect(primary.cause).toBeInstanceOf(StepTimeoutError);
  }
  // Only unhandled failures are failures; recovered ones never show up.
  for (const record of finish.errors) expect(FAILING.has(faultOf(specs, record.step!))).toBe(true);

  // Nothing starts after the run began to stop (failure, timeout, cancellation).
  const stopAt = events.findIndex(
    (e) =>
      e.type === EventType.TIMEOUT ||
      (e.type === EventType.STEP_END && faultOf(specs, e.stage) === "stop") ||
      (e.type === EventType.CANCELLED && e.stage === "system") ||
      (e.type === EventType.STEP_ERROR && !(e.payload as { retrying: boolean }).retrying),
  );
  if (stopAt >= 0) {
    const late = events.slice(stopAt + 1).filter((e) => e.type === EventType.STEP_START);
    expect(late.map((e) => e.stage)).toEqual([]);
  }

  // Fail fast is prompt: once a step failed, the run waits only for steps that ignore their signal
  // (a deaf step with a timeout until that timeout; a step that hangs until the run timeout or cancellation).
  const failedAtIndex = events.findIndex(
    (e) => e.type === EventType.STEP_ERROR && !(e.payload as { retrying: boolean }).retrying,
  );
  if (failedAtIndex >= 0 && failedAtIndex === stopAt) {
    const failedAt = events[stopAt]!.timestamp;
    const closedBefore = new Set(
      events
        .slice(0, stopAt + 1)
        .filter((e) => e.type !== EventType.STEP_START && e.invocationId !== null)
        .map((e) => e.invocationId),
    );
    const openAtFailure = starts.filter(
      (s) => events.indexOf(s) < stopAt && !closedBefore.has(s.invocationId),
    );
    const hung = openAtFailure.some((s) => faultOf(specs, s.stage) === "hang");
    if (!hung) {
      let expected = failedAt;
      for (const s of openAtFailure) {
        const spec = specs[Number(s.stage.slice(1))]!;
        if (spec.fault === "timeoutIgnore") expected = Math.max(expected, s.timestamp + spec.delay);
      }
      if (runFault.kind !== "none") expected = Math.min(expected, runFault.at);
      expect(end).toBe(expected);
    } else if (runFault.kind !== "none") expect(end).toBe(runFault.at);
  }

  // Once the run was aborted (failure, timeout, cancellation), a step closed by CANCELLED saw its signal abort.
  const abortedAt = events.findIndex(
    (e) =>
      e.type === EventType.TIMEOUT ||
      (e.type === EventType.CANCELLED && e.stage === "system") ||
      (e.type === EventType.STEP_ERROR && !(e.payload as { retrying: boolean }).retrying),
  );
  if (abortedAt >= 0) {
    for (const e of events.slice(abortedAt) as PipeEvent<unknown>[]) {
      if (e.type === EventType.CANCELLED && e.invocationId !== null) {
        expect(signals.get(`${e.stage}#${e.attempt}`)?.aborted).toBe(true);
      }
    }
  }

  // Successful steps and recovered ones ran their successors; the flaky ones retried once.
  if (finish.status === "success") {
    for (const s of starts) {
      const fault = faultOf(specs, s.stage);
      if (fault === "flaky") expect([1, 2]).toContain(s.attempt);
      else expect(s.attempt).toBe(1);
    }
  }

  // No timer is left behind.
  expect(clock.pendingTimers).toBe(0);
}

type ItemFault = "ok" | "throw" | "flaky" | "skip" | "timeoutHonour" | "timeoutIgnore";
const FAILING_ITEMS = new Set<ItemFault>(["throw", "timeoutHonour", "timeoutIgnore"]);

interface MapScenario {
  items: { fault: ItemFault; delay: number }[];
  maxConcurrency: number | undefined;
  runFault: RunFault;
}

const mapScenarioArbitrary: fc.Arbitrary<MapScenario> = fc.record({
  items: fc.array(
    fc.record({
      fault: fc.constantFrom<ItemFault>(
        "ok",
        "ok",
        "ok",
        "throw",
        "flaky",
        "skip",
        "timeoutHonour",
        "timeoutIgnore",
      ),
      delay: fc.integer({ min: 1, max: 5 }).map((k) => k * 10),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  maxConcurrency: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  runFault: fc.oneof(
    fc.constant<RunFault>({ kind: "none" }),
    fc.integer({ min: 0, max: 30 }).map<RunFault>((k) => ({ kind: "timeout", at: 5 + 10 * k })),
    fc.integer({ min: 0, max: 30 }).map<RunFault>((k) => ({ kind: "cancel", at: 5 + 10 * k })),
  ),
});

const WORKER_TIMEOUT = 100;

async function checkMap({ items, maxConcurrency, runFault }: MapScenario): Promise<void> {
  const clock = new SimulatedClock();
  let shutdowns = 0;
  let after = 0;
  const pipe = new Pipe({ name: "map-faults", clock });
  pipe.onShutdown(() => {
    shutdowns++;
  });
  pipe.map("fan", () => items.map((_, i) => i), {
    each: "work",
    to: "after",
    ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
  });
  pipe.step<number>(
    "work",
    async ({ item, signal, attempt }) => {
      const { fault, delay } = items[item]!;
      if (fault === "timeoutHonour") return untilAborted(signal);
      if (fault === "timeoutIgnore") return never();
      await sleepOn(clock, delay, signal);
      if (fault === "throw" || fault === "skip" || (fault === "flaky" && attempt === 1))
        throw new Error(`item ${item}: ${fault}`);
    },
    {
      timeout: WORKER_TIMEOUT,
      retries: { attempts: 1, minDelay: 10, jitter: false, retryOn: (e) => String(e).includes("flaky") },
      onError: ({ item, error }) => (items[item as number]!.fault === "skip" ? new Skip() : new Raise(error)),
    },
  );
  pipe.step("after", () => {
    after++;
  });
  const { events, finish, end } = await runWithFault(clock, pipe, runFault);
  expect(shutdowns).toBe(1);
  if (runFault.kind !== "none") expect(end).toBeLessThanOrEqual(runFault.at);

  const workerStarts = events.filter((e) => e.type === EventType.STEP_START && e.stage === "work");
  const itemOf = (e: PipeEvent<unknown>) => Number(/\[(\d+)\]/.exec(e.scope.at(-1) ?? "")![1]);
  const failingStarted = workerStarts.some((e) => FAILING_ITEMS.has(items[itemOf(e)]!.fault));
  if (runFault.kind !== "none" && end === runFault.at) {
    expect(finish.status).toBe(runFault.kind === "timeout" ? "timeout" : "cancelled");
  } else {
    expect(finish.status).toBe(failingStarted ? "failed" : "success");
  }
  if (finish.status === "success") {
    expect(after).toBe(1);
    expect(events.filter((e) => e.type === EventType.MAP_COMPLETE).map((e) => e.payload)).toEqual([
      { target: "work", itemCount: items.length },
    ]);
  } else expect(after).toBe(0);

  // Never more workers at once than allowed; each item gets one lineage.
  if (maxConcurrency !== undefined)
    expect(finish.metrics!.maps.peakWorkers).toBeLessThanOrEqual(maxConcurrency);
  const workers = events.filter((e) => e.type === EventType.MAP_WORKER);
  expect(new Set(workers.map((e) => (e.payload as { index: number }).index)).size).toBe(workers.length);

  // The map closes after every one of its workers.
  const owner = events.find((e) => e.type === EventType.STEP_START && e.stage === "fan")!;
  const ownerClose = events.findIndex(
    (e) =>
      e.invocationId === owner.invocationId &&
      e.type !== EventType.STEP_START &&
      e.type !== EventType.MAP_START &&
      e.type !== EventType.MAP_WORKER &&
      e.type !== EventType.MAP_COMPLETE,
  );
  for (const w of workerStarts) {
    const close = events.findIndex(
      (e) => e.invocationId === w.invocationId && e.type !== EventType.STEP_START,
    );
    expect(close).toBeLessThan(ownerClose);
  }
  expect(clock.pendingTimers).toBe(0);
}

describe("fault injection over random DAGs on a simulated clock", () => {
  it("ends every run in the status its faults call for, with shutdown once and no hang", async () => {
    await fc.assert(fc.asyncProperty(scenarioArbitrary, check), { numRuns: 150 });
  });

  it("ends every map run in the right status, workers before their map, no hang", async () => {
    await fc.assert(fc.asyncProperty(mapScenarioArbitrary, checkMap), { numRuns: 100 });
  });

  it("handles a few hand-picked scenarios", async () => {
    // A failure while a deaf step runs, then a run timeout: the timeout wins.
    await check({
      specs: [
        { fault: "ok", delay: 10, targets: [1, 2], barrier: "all" },
        { fault: "throw", delay: 10, targets: [], barrier: "all" },
        { fault: "hang", delay: 10, targets: [], barrier: "all" },
      ],
      runFault: { kind: "timeout", at: 105 },
    });
    // Cancellation during a retry backoff.
    await check({
      specs: [{ fault: "flaky", delay: 20, targets: [], barrier: "all" }],
      runFault: { kind: "cancel", at: 25 },
    });
    // A flaky step whose first attempt fails just after a sibling returned Stop: the run still succeeds.
    await check({
      specs: [
        { fault: "ok", delay: 10, targets: [1, 2], barrier: "all" },
        { fault: "stop", delay: 10, targets: [], barrier: "all" },
        { fault: "flaky", delay: 10, targets: [], barrier: "all" },
      ],
      runFault: { kind: "none" },
    });
    // A deaf step past its timeout while its sibling finishes.
    await check({
      specs: [
        { fault: "ok", delay: 10, targets: [1, 2], barrier: "all" },
        { fault: "timeoutIgnore", delay: 30, targets: [3], barrier: "all" },
        { fault: "ok", delay: 50, targets: [3], barrier: "all" },
        { fault: "ok", delay: 10, targets: [], barrier: "all" },
      ],
      runFault: { kind: "none" },
    });
  });
});
