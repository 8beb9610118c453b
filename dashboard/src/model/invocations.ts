// Pure model: the invocations of a run from its stored events (one per STEP_START), and what
// each step did. (The inspect layer's timeline model replaces this once it lands on main.)
import type { StoredEvent } from "../api.js";

export type Outcome = "running" | "ended" | "failed" | "cancelled" | "suspended";

export interface Invocation {
  id: string;
  /** The event stage: the step's name, `"<sub>:<child step>"` inside a sub-pipeline. */
  stage: string;
  /** Sub-pipeline nesting depth (map worker markers such as `fetch[2]` do not count). */
  depth: number;
  attempt: number;
  start: number;
  end: number | null;
  outcome: Outcome;
  /** Set on map workers: the map's invocation. */
  mapOwner: string | null;
  /** Set on map workers: the item's index. */
  mapIndex: number | null;
  error?: string;
}

export interface Wait {
  stage: string;
  depth: number;
  start: number;
  end: number | null;
}

export interface RunModel {
  invocations: Invocation[];
  waits: Wait[];
  first: number;
  last: number;
  /** Text streamed by each token-producing stage, in order. */
  tokens: Map<string, string>;
  suspended: Set<string>;
}

/** Folds stored events, in `seq` order, into invocations, barrier waits and streamed text. */
export function buildRunModel(events: readonly StoredEvent[]): RunModel {
  const byId = new Map<string, Invocation>();
  const invocations: Invocation[] = [];
  const waits: Wait[] = [];
  const openWaits = new Map<string, Wait>();
  const tokens = new Map<string, string>();
  const suspended = new Set<string>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const event of events) {
    first = Math.min(first, event.timestamp);
    last = Math.max(last, event.timestamp);
    const id = event.invocationId;
    switch (event.type) {
      case "step_start": {
        if (id === null) break;
        const mapIndex = mapIndexOf(event.scope, stepOf(event.stage));
        const invocation: Invocation = {
          id,
          stage: event.stage,
          depth: depthOf(event.scope),
          attempt: event.attempt,
          start: event.timestamp,
          end: null,
          outcome: "running",
          mapOwner: mapIndex === null ? null : event.parentInvocationId,
          mapIndex,
        };
        byId.set(id, invocation);
        invocations.push(invocation);
        break;
      }
      case "step_end":
      case "step_error":
      case "cancelled": {
        const invocation = id === null ? undefined : byId.get(id);
        if (invocation === undefined || invocation.end !== null) break;
        invocation.end = event.timestamp;
        if (event.type === "step_end") invocation.outcome = suspended.has(id!) ? "suspended" : "ended";
        else if (event.type === "cancelled") invocation.outcome = "cancelled";
        else {
          invocation.outcome = "failed";
          invocation.error = event.payload.message;
        }
        break;
      }
      case "suspend":
        if (id !== null) suspended.add(id);
        break;
      case "barrier_wait": {
        const wait: Wait = {
          stage: event.stage,
          depth: depthOf(event.scope),
          start: event.timestamp,
          end: null,
        };
        waits.push(wait);
        openWaits.set(event.stage, wait);
        break;
      }
      case "barrier_release": {
        const wait = openWaits.get(event.stage);
        if (wait) wait.end = event.timestamp;
        openWaits.delete(event.stage);
        break;
      }
      case "token": {
        const text = typeof event.payload === "string" ? event.payload : JSON.stringify(event.payload);
        tokens.set(event.stage, (tokens.get(event.stage) ?? "") + text);
        break;
      }
      default:
        break;
    }
  }
  if (!Number.isFinite(first)) first = last = 0;
  return { invocations, waits, first, last, tokens, suspended };
}

const MAP_MARKER = /\[(\d+)\]$/;

/** The item index when the innermost scope entry is this step's map marker (`fetch[2]`). */
function mapIndexOf(scope: readonly string[], step: string): number | null {
  const last = scope.at(-1);
  if (last === undefined || !last.startsWith(`${step}[`)) return null;
  const match = MAP_MARKER.exec(last);
  return match === null ? null : Number(match[1]);
}

/** How deep in sub-pipelines: scope entries other than map markers. */
function depthOf(scope: readonly string[]): number {
  return scope.filter((entry) => !MAP_MARKER.test(entry)).length;
}

/** The step part of a stage (`"nested:inner"` → `"inner"`). */
export function stepOf(stage: string): string {
  const colon = stage.lastIndexOf(":");
  return colon === -1 ? stage : stage.slice(colon + 1);
}

export type StepState = Outcome | "skipped" | "never";

const PRECEDENCE: readonly StepState[] = ["running", "failed", "suspended", "cancelled", "ended"];

/**
 * What each top-level step did in the run: the most telling outcome of its invocations (running,
 * then failed, suspended, cancelled, ended); `skipped` when it never ran in a successful run (a
 * `Skip`, a switch or `Stop` routed around it), else `never` reached.
 */
export function stepStates(
  stepNames: readonly string[],
  model: RunModel,
  runStatus: string,
): Map<string, StepState> {
  const states = new Map<string, StepState>();
  for (const name of stepNames) states.set(name, runStatus === "success" ? "skipped" : "never");
  const seen = new Map<string, Set<Outcome>>();
  for (const invocation of model.invocations) {
    if (invocation.depth > 0) continue;
    const outcomes = seen.get(invocation.stage) ?? new Set<Outcome>();
    // A failed attempt that was retried and then ended is an ended step.
    outcomes.add(invocation.outcome);
    seen.set(invocation.stage, outcomes);
  }
  for (const [stage, outcomes] of seen) {
    const attempts = model.invocations.filter((item) => item.stage === stage && item.depth === 0);
    const lastAttempt = attempts.at(-1);
    const best = PRECEDENCE.find((state) => outcomes.has(state as Outcome)) ?? "ended";
    const retriedThenEnded =
      best === "failed" &&
      lastAttempt?.outcome === "ended" &&
      !attempts.some((item) => item.mapOwner !== null);
    states.set(stage, retriedThenEnded ? "ended" : best);
  }
  return states;
}
