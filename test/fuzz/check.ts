import {
  DefinitionError,
  EventType,
  isolatedExecutor,
  MemoryStore,
  type PipeEvent,
  type PipelineEndData,
} from "../../src/index.js";
import { assertRunInvariants } from "../helpers.js";
import { build, normalize } from "./build.js";
import type { Scenario } from "./scenario.js";

/** One broken promise of the engine: `kind` groups them in reports, `detail` says what was seen. */
export interface Violation {
  readonly kind: string;
  readonly detail: string;
}

/** What running one scenario showed. */
export interface Outcome {
  readonly violations: Violation[];
  /** The FINISH status, when FINISH was delivered; "rejected" when the definition was refused. */
  readonly status: string | undefined;
  readonly events: number;
  /** Every delivered event (for replaying one scenario). */
  readonly trace?: readonly PipeEvent<unknown>[];
}

const CLOSES = new Set<string>([EventType.STEP_END, EventType.STEP_ERROR, EventType.CANCELLED]);
/** Simulated timers a run may take; more means it loops without end. */
const MAX_TIMERS = 2_000;
/** Real event-loop turns without a pending timer before a run counts as hung. */
const MAX_IDLE = 20;

function turn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** The last segment of a stage: the step's own name (children's stages are prefixed `sub:`). */
function stepOf(stage: string): string {
  return stage.slice(stage.lastIndexOf(":") + 1);
}

/**
 * Runs one scenario on a simulated clock (moving it from timer to timer, consuming like a user,
 * leaving early when the scenario says so) and checks the engine's promises:
 * one FINISH, last; every STEP_START closed once; a STEP_START means the handler ran; shutdown
 * hooks run once; observers are told once (the FINISH status); no unhandled rejection, no listener
 * warning, no timer left; the run ends (and by its timeout or cancellation); map owners close after
 * their workers; reasons are not doubled.
 */
export async function runScenario(raw: Scenario): Promise<Outcome> {
  const scenario = normalize(raw);
  let built: ReturnType<typeof build>;
  try {
    built = build(scenario);
    built.pipe.validate();
  } catch (error) {
    // Random graphs may be definitions the library rightly refuses (a loop no join can gather).
    if (error instanceof DefinitionError) return { violations: [], status: "rejected", events: 0 };
    throw error;
  }
  const { pipe, clock, recorder } = built;
  const violations: Violation[] = [];
  const report = (kind: string, detail: string) => violations.push({ kind, detail });

  const rejections: unknown[] = [];
  const warnings: Error[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const onWarning = (warning: Error) => warnings.push(warning);
  const previous = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", onRejection);
  process.on("warning", onWarning);

  const store = (scenario.run.store ?? "none") === "none" ? undefined : new MemoryStore();
  const events: PipeEvent<unknown>[] = [];
  let done = false;
  let broke = false;
  let failure: unknown;
  let hung = false;
  try {
    const { run } = scenario;
    const controller = new AbortController();
    const cancelTimer =
      run.cancelAt > 0
        ? clock.setTimeout(() => controller.abort(new Error("fuzz cancel")), run.cancelAt)
        : undefined;
    const stream = pipe.run(
      { jumps: {}, switches: {} },
      {
        queueSize: run.queueSize,
        ...(run.timeout > 0 ? { timeout: run.timeout } : {}),
        ...(run.cancelAt > 0 ? { signal: controller.signal } : {}),
        ...(run.executor === "isolated" ? { executor: isolatedExecutor() } : {}),
        ...(store === undefined ? {} : { store, durability: run.store as "exit" | "step" | "sync" }),
      },
    );
    const consumer = (async () => {
      for (;;) {
        const next = await stream.next();
        if (next.done) return;
        events.push(next.value as PipeEvent<unknown>);
        if (run.breakAfter > 0 && events.length >= run.breakAfter) {
          broke = true;
          await stream.return(undefined);
          return;
        }
      }
    })().then(
      () => {
        done = true;
      },
      (error: unknown) => {
        done = true;
        failure = error;
      },
    );
    let fired = 0;
    let idle = 0;
    while (!done) {
      await turn();
      await turn();
      if (done) break;
      if (await clock.advanceToNextTimer()) {
        idle = 0;
        if (++fired > MAX_TIMERS) {
          hung = true;
          report("endless", `still running after ${MAX_TIMERS} simulated timers`);
          break;
        }
      } else if (++idle > MAX_IDLE) {
        hung = true;
        report(
          "hang",
          `no timer pending at ${clock.now()} ms and the stream has not ended (${events.length} events)`,
        );
        break;
      }
    }
    if (!hung) await consumer;
    if (cancelTimer !== undefined) clock.clearTimeout(cancelTimer);
    await turn();
  } finally {
    process.removeListener("unhandledRejection", onRejection);
    process.removeListener("warning", onWarning);
    for (const listener of previous)
      process.on("unhandledRejection", listener as (...args: unknown[]) => void);
  }

  if (failure !== undefined) report("stream-threw", String(failure));
  for (const reason of rejections) report("unhandled-rejection", String(reason));
  for (const warning of warnings) {
    if (warning.name === "MaxListenersExceededWarning") report("listener-warning", warning.message);
  }
  if (hung) return { violations, status: undefined, events: events.length };

  const finishEvent = events.find((e) => e.type === EventType.FINISH && e.parentRunId === null);
  const finish = finishEvent?.payload as PipelineEndData | undefined;
  const delivered = finish !== undefined;
  const truncated = broke && !delivered;
  try {
    assertRunInvariants(events, { finished: !truncated });
  } catch (error) {
    for (const line of String((error as Error).message)
      .split("\n")
      .slice(1))
      report("invariant", line.trim());
  }
  if (!truncated && !delivered) report("no-finish", "the stream ended without FINISH");

  // A STEP_START means the handler was called.
  const starts = new Map<string, number>();
  for (const e of events)
    if (e.type === EventType.STEP_START) starts.set(stepOf(e.stage), (starts.get(stepOf(e.stage)) ?? 0) + 1);
  for (const [step, started] of starts) {
    const called = recorder.calls.get(step) ?? 0;
    if (started > called)
      report("start-without-call", `${step}: ${started} STEP_START, ${called} handler calls`);
  }
  if (!truncated) {
    for (const [step, called] of recorder.calls) {
      const started = starts.get(step) ?? 0;
      if (called > started)
        report("call-without-start", `${step}: ${called} handler calls, ${started} STEP_START`);
    }
  }

  if (recorder.shutdowns !== 1) report("shutdown", `shutdown hooks ran ${recorder.shutdowns} times`);
  if (recorder.observed.length !== 1)
    report("observer-end", `observers were told the end ${recorder.observed.length} times`);
  else if (delivered && recorder.observed[0] !== finish.status) {
    report("observer-status", `observers were told ${recorder.observed[0]}, FINISH says ${finish.status}`);
  }

  if (delivered) {
    const end = finishEvent!.timestamp;
    if (scenario.run.timeout > 0 && end > scenario.run.timeout) {
      report("late", `FINISH at ${end} ms after a run timeout of ${scenario.run.timeout} ms`);
    }
    if (scenario.run.cancelAt > 0 && end > scenario.run.cancelAt) {
      report("late", `FINISH at ${end} ms after a cancellation at ${scenario.run.cancelAt} ms`);
    }
  }

  // Map owners close after their workers.
  events.forEach((e, index) => {
    if (!CLOSES.has(e.type) || e.nodeKind !== "map" || e.invocationId === null) return;
    // The fuzzer names a map's worker after it (`n3` -> `n3w`).
    const worker = `${stepOf(e.stage)}w`;
    const late = events.findIndex(
      (w, i) =>
        i > index &&
        w.ownerInvocationId === e.invocationId &&
        stepOf(w.stage) === worker &&
        CLOSES.has(w.type),
    );
    if (late >= 0)
      report("owner-before-worker", `${e.stage} closed (${e.type}) before its worker ${events[late]!.stage}`);
  });

  for (const e of events) {
    const reason = (e.payload as { reason?: unknown } | undefined)?.reason;
    if (typeof reason === "string" && /Run cancelled: Run cancelled/.test(reason)) {
      report("doubled-reason", reason.slice(0, 80));
      break;
    }
  }

  if (store !== undefined && events.length > 0) await checkStored(store, events, finish, broke, report);

  if (clock.pendingTimers > 0)
    report("timer-left", `${clock.pendingTimers} simulated timers pending after the run`);
  return { violations, status: finish?.status, events: events.length, trace: events };
}

/**
 * A durable run's record agrees with its stream: it ended (never left `running`), with the
 * `FINISH` status, and the events stored are the events delivered, in order.
 */
async function checkStored(
  store: MemoryStore,
  events: readonly PipeEvent<unknown>[],
  finish: PipelineEndData | undefined,
  broke: boolean,
  report: (kind: string, detail: string) => void,
): Promise<void> {
  const runId = events[0]!.runId;
  const record = await store.getRun(runId);
  if (record === undefined) {
    report("store-record", `no run record for ${runId}`);
    return;
  }
  if (record.status === "running")
    report("store-status", "the stored run is still 'running' after its stream ended");
  else if (finish !== undefined && record.status !== finish.status)
    report("store-status", `the store says ${record.status}, FINISH says ${finish.status}`);
  if (broke) return;
  const stored = await store.getEvents(runId);
  const shape = (e: { type: string; stage: string; seq: number }) => `${e.seq}:${e.type}:${e.stage}`;
  const want = events.map(shape);
  const got = stored.map(shape);
  const first = want.findIndex((line, index) => got[index] !== line);
  if (first >= 0 || got.length !== want.length)
    report(
      "store-events",
      `${got.length} events stored, ${want.length} delivered; first difference at #${first < 0 ? want.length : first}: stored ${got[first] ?? "(none)"}, delivered ${want[first] ?? "(none)"}`,
    );
}
