import { type InspectEvent, isOwnEvent, numberField, stringField } from "./event-input.js";
import { orderLanes } from "./lanes.js";

/**
 * How one step invocation ended: `success` (`STEP_END`, recovered errors included), `failed`
 * (`STEP_ERROR`, final), `retried` (`STEP_ERROR` with `retrying: true`: a later attempt follows),
 * `cancelled` (`CANCELLED`), or `running` (no terminal event in the list).
 */
export type InvocationStatus = "running" | "success" | "failed" | "retried" | "cancelled";

/** One step invocation (one attempt, one map worker). Times are offsets from the timeline's `startedAt`. */
export interface TimelineInvocation {
  /** The `invocationId`. */
  readonly id: string;
  /** The step name (the last segment of `stage`). */
  readonly step: string;
  /** The key of the lane it is drawn in (its `stage`: `"<sub>:<step>"` inside sub-pipelines). */
  readonly lane: string;
  /** The `nodeKind` of its `STEP_START` (`"step"`, `"map"`, `"switch"`, `"sub"`). */
  readonly kind: string;
  /** Attempt number within its retry lineage (1, 2, 3...). */
  readonly attempt: number;
  /** The item index, for a map worker. */
  readonly mapIndex: number | undefined;
  /** The invocation that caused this one, or `null`. */
  readonly parentId: string | null;
  /** The invocation that owns it (its map or sub owner; itself for plain steps), or `null`. */
  readonly ownerId: string | null;
  /** Start, in ms from the timeline's `startedAt`. */
  readonly start: number;
  /** End, in ms from `startedAt`; `undefined` while running. */
  end: number | undefined;
  /** `end - start`, or `undefined` while running. */
  durationMs: number | undefined;
  /** How it ended. */
  status: InvocationStatus;
  /** The error message (`failed`, `retried`) or the cancellation reason (`cancelled`). */
  error: string | undefined;
  /** `TOKEN` events it yielded. */
  tokens: number;
  /** Time from its start to its first `TOKEN`, in ms. */
  firstTokenMs: number | undefined;
}

/** Invocation counts of one lane, by status. */
export interface LaneCounts {
  /** Every invocation of the lane. */
  total: number;
  /** Invocations that ended with `STEP_END`. */
  success: number;
  /** Invocations whose failure was final. */
  failed: number;
  /** Attempts that failed and were retried. */
  retried: number;
  /** Invocations closed by `CANCELLED`. */
  cancelled: number;
  /** Invocations with no terminal event yet. */
  running: number;
}

/**
 * One row of the timeline: every invocation of one stage. Map workers of one step fold into one
 * lane (`mapWorkers: true`, counted in `counts`); a sub-pipeline's steps get their own lanes,
 * nested under the sub step's lane (`parent`, `depth`).
 */
export interface TimelineLane {
  /** The stage: the step name, or `"<sub step>:<child step>"` for a sub-pipeline's steps. */
  readonly key: string;
  /** The step name. */
  readonly step: string;
  /** Sub-pipeline nesting: 0 for the run's own steps, 1 inside a sub step, ... */
  readonly depth: number;
  /** The lane of the sub step this lane's step runs under, if any. */
  readonly parent: string | undefined;
  /** The `nodeKind` of its first invocation. */
  readonly kind: string;
  /** True when its invocations are map workers. */
  mapWorkers: boolean;
  /** Its invocations, in start order. */
  readonly invocations: TimelineInvocation[];
  /** Invocation counts by status. */
  readonly counts: LaneCounts;
  /** Its first invocation's start (ms from `startedAt`). */
  readonly start: number;
  /** Its last invocation's end, or `undefined` while one is running. */
  end: number | undefined;
}

/** One wait of a join at its barrier (`BARRIER_WAIT`, then `BARRIER_RELEASE` unless it never came). */
export interface TimelineBarrier {
  /** The join's lane key. */
  readonly lane: string;
  /** When the first parent arrived (ms from `startedAt`). */
  readonly start: number;
  /** When the barrier released, or `undefined` if it did not. */
  end: number | undefined;
  /** Wait time reported by `BARRIER_RELEASE`, in ms. */
  durationMs: number | undefined;
  /** The parents still missing when the wait began. */
  readonly waitingFor: readonly string[];
}

/** A failure seen in the events: a final `STEP_ERROR` (of a step, a hook or the run). */
export interface TimelineFailure {
  /** The stage that failed (a step's lane key, `"startup"`, `"shutdown"` or `"system"`). */
  readonly stage: string;
  /** The invocation, for a step. */
  readonly invocationId: string | null;
  /** The error message. */
  readonly error: string;
  /** When it happened (ms from `startedAt`). */
  readonly at: number;
}

/** A sub-pipeline's run, seen through its forwarded `FINISH`. */
export interface TimelineSubRun {
  /** The sub step's lane key. */
  readonly lane: string;
  /** The child run's id. */
  readonly runId: string | undefined;
  /** The child run's status. */
  readonly status: string | undefined;
  /** The child run's duration in ms. */
  readonly durationMs: number | undefined;
}

/**
 * The timeline of one run, built by {@link buildTimeline}: JSON-serialisable, so the command line,
 * the dashboard and a timeline recorder can share it.
 */
export interface Timeline {
  /** The run's id (from the first event that has one). */
  readonly runId: string | undefined;
  /** The earliest timestamp (ms since the epoch); every other time is an offset from it. */
  readonly startedAt: number;
  /** Offset of `FINISH`, or of the last event when there is none. */
  readonly end: number;
  /** The run's status from `FINISH`, or `undefined` when the list has none (still running, or client-closed). */
  readonly status: string | undefined;
  /** `durationMs` of `FINISH`, else `end`. */
  readonly durationMs: number;
  /** The step `FINISH` names as failed. */
  readonly failedStep: string | undefined;
  /** The primary error message from `FINISH`. */
  readonly error: string | undefined;
  /** Lanes in display order: by first start, each sub step followed by its child lanes. */
  readonly lanes: readonly TimelineLane[];
  /** Every invocation, in start order. */
  readonly invocations: readonly TimelineInvocation[];
  /** Barrier waits, in order. */
  readonly barriers: readonly TimelineBarrier[];
  /** Attempts that failed and were retried. */
  readonly retries: readonly TimelineInvocation[];
  /** Final failures. */
  readonly failures: readonly TimelineFailure[];
  /** `SUSPEND` events: the step and the reason. */
  readonly suspends: readonly { step: string; reason: string; at: number }[];
  /** Sub-pipeline runs, by the sub step that ran them. */
  readonly subRuns: readonly TimelineSubRun[];
  /** `TOKEN` events (forwarded included). */
  readonly tokens: number;
}

const MAP_INDEX = /\[(\d+)\]$/;

/** The step name of a stage (`"sub:inner:step"` is step `step`). */
function stepOf(stage: string): string {
  const colon = stage.lastIndexOf(":");
  return colon === -1 ? stage : stage.slice(colon + 1);
}

/** The lane a forwarded stage nests under (`"sub:step"` nests under `"sub"`). */
function parentOf(stage: string): string | undefined {
  const colon = stage.lastIndexOf(":");
  return colon === -1 ? undefined : stage.slice(0, colon);
}

function mapIndexOf(event: InspectEvent, step: string): number | undefined {
  const last = event.scope?.at(-1);
  if (last === undefined || !last.startsWith(`${step}[`)) return undefined;
  const match = MAP_INDEX.exec(last);
  return match === null ? undefined : Number(match[1]);
}

function emptyCounts(): LaneCounts {
  return { total: 0, success: 0, failed: 0, retried: 0, cancelled: 0, running: 0 };
}

/**
 * Builds the timeline of one run from its events (live `PipeEvent`s or stored ones), in any order
 * of arrival as long as `seq`/timestamps are consistent. Pure: no I/O, no clock.
 *
 * @example
 * ```ts
 * const events = await store.getEvents(runId);
 * const timeline = buildTimeline(events);
 * console.log(renderGantt(timeline, { width: process.stdout.columns }));
 * ```
 */
export function buildTimeline(events: readonly InspectEvent[]): Timeline {
  // A loop, not Math.min(...): spreading 200,000 arguments overflows the stack.
  let startedAt = events.length === 0 ? 0 : Number.POSITIVE_INFINITY;
  for (const event of events) if (event.timestamp < startedAt) startedAt = event.timestamp;
  const at = (event: InspectEvent) => event.timestamp - startedAt;
  const byId = new Map<string, TimelineInvocation>();
  const lanes = new Map<string, TimelineLane>();
  const invocations: TimelineInvocation[] = [];
  const barriers: TimelineBarrier[] = [];
  const openBarriers = new Map<string, TimelineBarrier>();
  const retries: TimelineInvocation[] = [];
  const failures: TimelineFailure[] = [];
  const suspends: { step: string; reason: string; at: number }[] = [];
  const subRuns: TimelineSubRun[] = [];
  let runId: string | undefined;
  let finish: InspectEvent | undefined;
  let tokens = 0;
  let last = 0;
  let synthetic = 0;

  const close = (event: InspectEvent, status: InvocationStatus, error: string | undefined) => {
    const invocation = event.invocationId == null ? undefined : byId.get(event.invocationId);
    if (invocation === undefined || invocation.end !== undefined) return undefined;
    const lane = lanes.get(invocation.lane)!;
    invocation.end = at(event);
    invocation.durationMs = invocation.end - invocation.start;
    invocation.status = status;
    invocation.error = error;
    lane.counts.running--;
    lane.counts[status === "running" ? "running" : status]++;
    if (lane.counts.running === 0) lane.end = Math.max(lane.end ?? 0, invocation.end);
    return invocation;
  };

  for (const event of events) {
    runId ??= event.runId;
    last = Math.max(last, at(event));
    switch (event.type) {
      case "step_start": {
        const step = stepOf(event.stage);
        const id = event.invocationId ?? `#${++synthetic}`;
        const mapIndex = mapIndexOf(event, step);
        const invocation: TimelineInvocation = {
          id,
          step,
          lane: event.stage,
          kind: event.nodeKind ?? "step",
          attempt: event.attempt ?? 1,
          mapIndex,
          parentId: event.parentInvocationId ?? null,
          ownerId: event.ownerInvocationId ?? null,
          start: at(event),
          end: undefined,
          durationMs: undefined,
          status: "running",
          error: undefined,
          tokens: 0,
          firstTokenMs: undefined,
        };
        let lane = lanes.get(event.stage);
        if (lane === undefined) {
          const parent = parentOf(event.stage);
          lane = {
            key: event.stage,
            step,
            depth: parent === undefined ? 0 : event.stage.split(":").length - 1,
            parent,
            kind: invocation.kind,
            mapWorkers: false,
            invocations: [],
            counts: emptyCounts(),
            start: invocation.start,
            end: undefined,
          };
          lanes.set(event.stage, lane);
        }
        if (mapIndex !== undefined) lane.mapWorkers = true;
        lane.invocations.push(invocation);
        lane.counts.total++;
        lane.counts.running++;
        lane.end = undefined;
        byId.set(id, invocation);
        invocations.push(invocation);
        break;
      }
      case "step_end":
        close(event, "success", undefined);
        break;
      case "step_error": {
        const message = stringField(event.payload, "message") ?? "error";
        const retrying = (event.payload as { retrying?: unknown } | undefined)?.retrying === true;
        const invocation = close(event, retrying ? "retried" : "failed", message);
        if (retrying && invocation !== undefined) retries.push(invocation);
        else if (!retrying) {
          failures.push({
            stage: event.stage,
            invocationId: event.invocationId ?? null,
            error: message,
            at: at(event),
          });
        }
        break;
      }
      case "cancelled":
        close(event, "cancelled", stringField(event.payload, "reason"));
        break;
      case "token": {
        tokens++;
        const invocation = event.invocationId == null ? undefined : byId.get(event.invocationId);
        if (invocation !== undefined) {
          invocation.tokens++;
          invocation.firstTokenMs ??= at(event) - invocation.start;
        }
        break;
      }
      case "barrier_wait": {
        const waiting = (event.payload as { waitingFor?: unknown } | undefined)?.waitingFor;
        const barrier: TimelineBarrier = {
          lane: event.stage,
          start: at(event),
          end: undefined,
          durationMs: undefined,
          waitingFor: Array.isArray(waiting) ? waiting.map(String) : [],
        };
        barriers.push(barrier);
        openBarriers.set(event.stage, barrier);
        break;
      }
      case "barrier_release": {
        const barrier = openBarriers.get(event.stage);
        if (barrier === undefined) break;
        openBarriers.delete(event.stage);
        barrier.end = at(event);
        barrier.durationMs = numberField(event.payload, "durationMs") ?? barrier.end - barrier.start;
        break;
      }
      case "suspend":
        suspends.push({
          step: stringField(event.payload, "step") ?? event.stage,
          reason: stringField(event.payload, "reason") ?? "suspended",
          at: at(event),
        });
        break;
      case "finish":
        if (isOwnEvent(event)) finish = event;
        else {
          const lane = parentOf(event.stage);
          if (lane !== undefined) {
            subRuns.push({
              lane,
              runId: event.originRunId,
              status: stringField(event.payload, "status"),
              durationMs: numberField(event.payload, "durationMs"),
            });
          }
        }
        break;
    }
  }

  const end = finish === undefined ? last : at(finish);
  return {
    runId,
    startedAt,
    end,
    status: stringField(finish?.payload, "status"),
    durationMs: numberField(finish?.payload, "durationMs") ?? end,
    failedStep: stringField(finish?.payload, "failedStep"),
    error: stringField(finish?.payload, "error"),
    lanes: orderLanes([...lanes.values()]),
    invocations,
    barriers,
    retries,
    failures,
    suspends,
    subRuns,
    tokens,
  };
}
