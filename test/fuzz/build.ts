import { Pipe, Raise, Retry, SimulatedClock, Skip, Stop, Suspend } from "../../src/index.js";
import type { Behaviour, PipeSpec, Recovery, Scenario, StepSpec } from "./scenario.js";

/** What a built scenario records while it runs. */
export interface Recorder {
  /** Handler calls by step name (names are unique across the pipe and its children). */
  readonly calls: Map<string, number>;
  /** Shutdown hook calls of the top-level pipe. */
  shutdowns: number;
  /** Observer end calls of the top-level pipe: the status each was told. */
  readonly observed: string[];
  /** Names of map steps (owners), at any level. */
  readonly maps: Set<string>;
}

export interface Built {
  readonly pipe: Pipe<FuzzState>;
  readonly clock: SimulatedClock;
  readonly recorder: Recorder;
}

export interface FuzzState {
  jumps: Record<string, number>;
  switches: Record<string, number>;
}

/** Without a run timeout or cancellation nothing ends a step that never settles: give those a step timeout. */
export function normalize(scenario: Scenario): Scenario {
  const bounded = scenario.run.timeout > 0 || scenario.run.cancelAt > 0;
  if (bounded) return scenario;
  const fix = (spec: PipeSpec): PipeSpec => ({
    steps: spec.steps.map((step) => {
      const hangs =
        step.behaviour === "hangHonour" ||
        step.behaviour === "hangIgnore" ||
        step.recovery === "hang" ||
        (step.kind === "map" && step.items.some((item) => item.behaviour.startsWith("hang")));
      return {
        ...step,
        timeout: hangs && step.timeout === 0 ? step.delay + 20 : step.timeout,
        child: step.child === undefined ? undefined : fix(step.child),
      };
    }),
  });
  return { ...scenario, pipe: fix(scenario.pipe) };
}

function never(): Promise<never> {
  return new Promise<never>(() => {});
}

function sleep(clock: SimulatedClock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal.reason);
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

interface Args {
  state: FuzzState;
  signal: AbortSignal;
  attempt: number;
}

/** Performs a behaviour; returns what the handler returns (or throws). */
async function perform(
  behaviour: Behaviour,
  delay: number,
  clock: SimulatedClock,
  args: Args,
): Promise<unknown> {
  switch (behaviour) {
    case "microtask":
      await Promise.resolve();
      return undefined;
    case "hangHonour":
      await new Promise<void>((_, reject) => {
        if (args.signal.aborted) reject(args.signal.reason);
        else args.signal.addEventListener("abort", () => reject(args.signal.reason), { once: true });
      });
      return undefined;
    case "hangIgnore":
      return never();
    default:
      break;
  }
  await sleep(clock, delay, args.signal);
  switch (behaviour) {
    case "throw":
      throw new Error("injected failure");
    case "throwUndefined":
      throw undefined;
    case "flaky":
      if (args.attempt === 1) throw new Error("injected flake");
      return undefined;
    case "stop":
      return Stop;
    case "suspend":
      return new Suspend({ reason: "injected" });
    case "skip":
      return new Skip();
    case "retry":
      return args.attempt === 1 ? new Retry() : undefined;
    case "raise":
      return new Raise(new Error("injected raise"));
    default:
      return undefined;
  }
}

function recoveryHandler(recovery: Recovery): ((args: { error: unknown }) => unknown) | undefined {
  switch (recovery) {
    case "none":
      return undefined;
    case "recover":
      return () => undefined;
    case "skip":
      return () => new Skip();
    case "retry":
      return () => new Retry();
    case "raise":
      return ({ error }) => new Raise(error);
    case "hang":
      return () => never();
  }
}

/** Builds the pipe of a scenario (and its children) on one simulated clock. */
export function build(scenario: Scenario): Built {
  const clock = new SimulatedClock();
  const recorder: Recorder = { calls: new Map(), shutdowns: 0, observed: [], maps: new Set() };
  const pipe = buildPipe(scenario.pipe, "n", clock, recorder);
  pipe.onShutdown(() => {
    recorder.shutdowns++;
  });
  pipe.addObserver({
    onPipelineEnd: (end) => void recorder.observed.push(end.status),
    onPipelineError: (_error, end) => void recorder.observed.push(end.status),
  });
  return { pipe, clock, recorder };
}

function buildPipe(
  spec: PipeSpec,
  prefix: string,
  clock: SimulatedClock,
  recorder: Recorder,
): Pipe<FuzzState> {
  const pipe = new Pipe<FuzzState>({ name: prefix, clock, strict: false, maxRetries: 10 });
  const name = (i: number) => `${prefix}${i}`;
  const count = (step: string) => recorder.calls.set(step, (recorder.calls.get(step) ?? 0) + 1);
  spec.steps.forEach((step: StepSpec, i) => {
    const stepName = name(i);
    const common = {
      ...(step.timeout > 0 ? { timeout: step.timeout } : {}),
      ...(step.barrierTimeout > 0 && step.barrier === "all" ? { barrierTimeout: step.barrierTimeout } : {}),
      ...(step.retries > 0 ? { retries: { attempts: step.retries, minDelay: 10, jitter: false } } : {}),
      barrierType: step.barrier,
      ...(recoveryHandler(step.recovery) === undefined
        ? {}
        : { onError: recoveryHandler(step.recovery) as never }),
    };
    const to = step.targets.map(name);
    const jump = step.jumpBack >= 0 ? name(step.jumpBack) : undefined;
    const routes = jump === undefined ? {} : { routes: [jump] };
    switch (step.kind) {
      case "step":
        pipe.step(
          stepName,
          (async (args: Args) => {
            count(stepName);
            const result = await perform(step.behaviour, step.delay, clock, args);
            if (result === undefined && jump !== undefined && (args.state.jumps[stepName] ?? 0) < 1) {
              args.state.jumps[stepName] = (args.state.jumps[stepName] ?? 0) + 1;
              return jump;
            }
            return result;
          }) as never,
          { ...common, to, ...routes },
        );
        break;
      case "map": {
        recorder.maps.add(stepName);
        const worker = `${stepName}w`;
        pipe.map(
          stepName,
          (async (args: Args) => {
            count(stepName);
            const result = await perform(step.behaviour, step.delay, clock, args);
            return result === undefined ? step.items.map((_, index) => index) : result;
          }) as never,
          {
            ...common,
            each: worker,
            to,
            ...(step.maxConcurrency > 0 ? { maxConcurrency: step.maxConcurrency } : {}),
          },
        );
        const workerOptions = {
          ...(step.timeout > 0 ? { timeout: step.timeout } : {}),
          retries: { attempts: 1, minDelay: 10, jitter: false },
        };
        const work = (async (args: Args & { item: number }) => {
          count(worker);
          const item = step.items[args.item]!;
          const result = await perform(item.behaviour, item.delay, clock, args);
          return step.child !== undefined && result === undefined ? { jumps: {}, switches: {} } : result;
        }) as never;
        if (step.child === undefined) pipe.step(worker, work, workerOptions);
        else
          pipe.sub(worker, work, {
            ...workerOptions,
            pipeline: buildPipe(step.child, `${worker}c`, clock, recorder),
          });
        break;
      }
      case "switch": {
        const table = Object.fromEntries(step.targets.map((t, k) => [`k${k}`, name(t)]));
        pipe.switch(
          stepName,
          (async (args: Args) => {
            count(stepName);
            const result = await perform(step.behaviour, step.delay, clock, args);
            if (result !== undefined) return result;
            const turn = (args.state.switches[stepName] = (args.state.switches[stepName] ?? 0) + 1);
            return `k${turn % step.targets.length}`;
          }) as never,
          { ...common, to: table },
        );
        break;
      }
      case "sub": {
        const child = buildPipe(step.child!, `${stepName}c`, clock, recorder);
        pipe.sub(
          stepName,
          (async (args: Args) => {
            count(stepName);
            const result = await perform(step.behaviour, step.delay, clock, args);
            return result === undefined ? { jumps: {}, switches: {} } : result;
          }) as never,
          { ...common, pipeline: child, to },
        );
        break;
      }
    }
  });
  return pipe;
}
