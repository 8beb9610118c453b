// The wire format between the calling process (the coordinator) and worker processes. Version 2:
// the state travels by reference (a snapshot plus deltas, see state-share.ts).
import { DefinitionMismatchError, RemoteStepError } from "../index.js";

/**
 * A run's state as of a task: snapshot `s` with the first `n` deltas applied since it was taken;
 * `tail` holds the newest of those deltas (encoded), so a worker almost up to date reads nothing.
 */
export interface StateRef {
  readonly s: number;
  readonly n: number;
  readonly tail?: readonly string[];
}

/** What a job carries (BullMQ stores it as JSON). */
export interface JobData {
  /** Protocol version. */
  readonly v: 2;
  readonly pipe: string;
  readonly hash: string;
  readonly step: string;
  readonly kind: string;
  readonly runId: string;
  readonly invocationId: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  /** The codec's name; the state, its deltas and `item` are encoded with it. */
  readonly codec: string;
  readonly state: StateRef;
  /** The encoded map item, when there is one. */
  readonly item?: string;
  /** Ms since epoch when the step must have ended. */
  readonly deadline?: number;
  /** Tokens the worker may send before the caller acknowledges them. */
  readonly window: number;
}

/** Stream entry kinds (the `k` field). */
export const MessageKind = {
  /** A batch of tokens: `s` index of the first, `d` the encoded array. */
  TOKENS: "t",
  /**
   * The handler ended: `d` the encoded {@link WireControl}, `c` the encoded state delta (absent when
   * it changed nothing), `m` the encoded meta writes (absent when none), `n` how many earlier
   * executions of the job died (absent when none).
   */
  RESULT: "r",
  /** The handler threw or the job failed: `d` JSON of {@link WireError}, `m` as for a result. */
  ERROR: "e",
  /** BullMQ found the job stalled (its worker died) and queued it again. */
  STALLED: "s",
  /** Wakes the caller's reader so it can stop (never sent by workers). */
  WAKE: "w",
} as const;

/** Keys and channels of one queue (under BullMQ's prefix, so one `obliterate` scope). */
export class QueueKeys {
  readonly #base: string;

  constructor(prefix: string, queue: string) {
    this.#base = `${prefix}:${queue}:jp`;
  }

  /** The per-run stream of tokens and results. */
  runStream(runId: string): string {
    return `${this.#base}:run:${runId}`;
  }

  /** The run's state snapshot (a hash: `id`, `data`). */
  stateSnapshot(runId: string): string {
    return `${this.#base}:state:${runId}`;
  }

  /** The deltas applied to the run's state since its snapshot (a list). */
  stateDeltas(runId: string): string {
    return `${this.#base}:deltas:${runId}`;
  }

  /** The channel for cancellations and token acknowledgements. */
  get control(): string {
    return `${this.#base}:control`;
  }

  /** Every key this library writes for the queue (for cleanup checks). */
  get pattern(): string {
    return `${this.#base}:*`;
  }
}

/** The job id: deterministic, so dispatching the same attempt twice never makes two jobs. */
export function jobIdOf(runId: string, invocationId: string, attempt: number): string {
  return `${safe(runId)}:${safe(invocationId)}:${attempt}`;
}

/** The run id part of a job id. */
export function runIdOfJob(jobId: string): string {
  return jobId.slice(0, jobId.indexOf(":"));
}

function safe(id: string): string {
  return id.replaceAll(":", "_");
}

/** A control message on the control channel. */
export type ControlMessage =
  | { readonly c: "cancel"; readonly job: string; readonly reason: string }
  | { readonly c: "ack"; readonly job: string; readonly x: string; readonly n: number };

/** What travels back for a handler's return value. */
export type WireControl =
  | { readonly k: "next" }
  | { readonly k: "step"; readonly name: string }
  | { readonly k: "suspend"; readonly reason: string }
  | { readonly k: "stop" }
  | { readonly k: "value"; readonly value: unknown };

/** An error as it crosses processes. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code?: string | number;
  readonly stack?: string;
  /** Set for a definition mismatch: the worker's view. */
  readonly mismatch?: { pipe: string; expected: string; actual?: string; known: string[] };
}

/** Flattens a thrown value for the wire. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof DefinitionMismatchError) {
    return {
      name: error.name,
      message: error.message,
      mismatch: {
        pipe: error.pipeName,
        expected: error.expectedHash,
        ...(error.workerHash === undefined ? {} : { actual: error.workerHash }),
        known: [],
      },
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  return { name: "Error", message: typeof error === "string" ? error : safeString(error) };
}

/** Rebuilds an error that came over the wire. */
export function errorFromWire(wire: WireError): Error {
  if (wire.mismatch !== undefined) {
    const error = new DefinitionMismatchError(
      wire.mismatch.pipe,
      wire.mismatch.expected,
      wire.mismatch.actual,
      [],
    );
    Object.defineProperty(error, "message", { value: wire.message });
    return error;
  }
  return new RemoteStepError(wire);
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return "a value that cannot be shown";
  }
}
