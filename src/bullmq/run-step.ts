import {
  DefinitionMismatchError,
  type Pipe,
  Stop,
  Suspend,
  stateView,
  type WrappedHandler,
} from "../index.js";
import type { WireCodec } from "./codec.js";
import { errorToWire, type JobData, MessageKind, type WireControl } from "./protocol.js";
import type { StateCache } from "./state-cache.js";
import type { TokenWriter } from "./token-writer.js";
import { workerMeta } from "./worker-meta.js";

/** A pipe a worker serves, ready to run. */
export interface ServedPipe {
  readonly pipe: Pipe<any, any>;
  readonly hash: string;
  readonly handlers: ReadonlyMap<string, WrappedHandler>;
  /** The worker's context for this pipe (built once, on first use). */
  context(): Promise<unknown>;
}

/** What running one job needs from its worker. */
export interface StepEnvironment {
  readonly pipes: ReadonlyMap<string, ServedPipe>;
  readonly codec: WireCodec;
  readonly creditTimeoutMs: number;
  readonly states: StateCache;
}

/**
 * Runs one step job in a worker: checks the definition, decodes the state copy and the item, calls
 * the handler with the worker's context, streams its tokens, and sends back its control value and
 * state delta (or its error). Never throws for a handler's failure: it travels as a message.
 * `stateKey` names the run's state in Redis: its thread (the job id's first part), shared by the
 * segments of a detached run that another worker took over.
 */
export async function runStepJob(
  data: JobData,
  jobSignal: AbortSignal,
  writer: TokenWriter,
  environment: StepEnvironment,
  restarts = 0,
  stateKey: string = data.runId,
): Promise<void> {
  const { signal, dispose } = withDeadline(jobSignal, data.deadline);
  let meta: ReturnType<typeof workerMeta> | undefined;
  try {
    const { served, handler } = resolveHandler(data, environment);
    const { codec } = environment;
    if (data.codec !== codec.name) {
      throw new Error(
        `The caller encoded step '${data.step}' with codec '${data.codec}' but this worker uses '${codec.name}'. Give both the same \`codec\` option.`,
      );
    }
    const { view, delta } = stateView(await environment.states.stateOf(stateKey, data.state));
    meta = workerMeta(served.pipe);
    const ctx = await served.context();
    // Cancelled while the state was read: the handler is not started (nobody waits for it).
    if (jobSignal.aborted) return;
    const args = {
      state: view,
      ctx,
      item: data.item === undefined ? undefined : codec.decode(data.item),
      error: undefined,
      stepName: data.step,
      attempt: data.attempt,
      runId: data.runId,
      idempotencyKey: data.idempotencyKey,
      signal,
      meta: meta.meta,
    };
    let result: unknown = handler(args);
    if (isThenable(result)) result = await result;
    if (data.kind !== "map" && isAsyncIterator(result))
      result = await streamTokens(result, writer, signal, environment);
    if (jobSignal.aborted) return; // cancelled: nobody waits for this result
    const fields = ["d", codec.encode(toWireControl(result, served.pipe))];
    if (restarts > 0) fields.push("n", String(restarts));
    const changes = delta();
    if (changes.operations.length > 0) fields.push("c", codec.encode(changes));
    if (meta.operations.length > 0) fields.push("m", codec.encode(meta.operations));
    await writer.finish(MessageKind.RESULT, fields);
  } catch (error) {
    if (jobSignal.aborted) return;
    const fields = ["d", JSON.stringify(errorToWire(error))];
    if (restarts > 0) fields.push("n", String(restarts));
    if (meta !== undefined && meta.operations.length > 0) {
      try {
        fields.push("m", environment.codec.encode(meta.operations));
      } catch {
        // Meta the codec cannot carry is dropped with the failure; the error matters more.
      }
    }
    await writer.finish(MessageKind.ERROR, fields);
  } finally {
    dispose();
  }
}

function resolveHandler(
  data: JobData,
  environment: StepEnvironment,
): { served: ServedPipe; handler: WrappedHandler } {
  const served = environment.pipes.get(data.pipe);
  if (served === undefined || served.hash !== data.hash) {
    throw new DefinitionMismatchError(data.pipe, data.hash, served?.hash, [...environment.pipes.keys()]);
  }
  const handler = served.handlers.get(data.step);
  if (handler === undefined)
    throw new DefinitionMismatchError(data.pipe, data.hash, `${served.hash} (no step '${data.step}')`, []);
  return { served, handler };
}

async function streamTokens(
  iterator: AsyncIterator<unknown>,
  writer: TokenWriter,
  signal: AbortSignal,
  environment: StepEnvironment,
): Promise<unknown> {
  try {
    for (;;) {
      const wait = writer.credit(signal, environment.creditTimeoutMs);
      if (wait !== undefined) await wait;
      const next = await iterator.next();
      if (next.done) return next.value;
      writer.push(next.value);
    }
  } finally {
    if (signal.aborted) await iterator.return?.(undefined);
  }
}

/** A handler's return value as data: jumps by step name, `Suspend`, `Stop`, or a plain value. */
export function toWireControl(value: unknown, pipe: Pipe<any, any>): WireControl {
  if (value === undefined) return { k: "next" };
  if (value === Stop) return { k: "stop" };
  if (value instanceof Suspend) return { k: "suspend", reason: value.reason };
  if (typeof value === "function") {
    const name = pipe._nameOf(value as never);
    if (name === undefined) {
      throw new TypeError(
        `A step returned the function '${value.name || "anonymous"}', which is not a registered step of pipe '${pipe.name}'. Return a registered handler or a step name.`,
      );
    }
    return { k: "step", name };
  }
  return { k: "value", value };
}

/** The step's signal: the job's, also aborted at the deadline the caller set. */
function withDeadline(
  signal: AbortSignal,
  deadline: number | undefined,
): { signal: AbortSignal; dispose(): void } {
  if (deadline === undefined) return { signal, dispose: () => {} };
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error("The step's deadline passed (its timeout or the run's)")),
    Math.max(0, deadline - Date.now()),
  );
  return { signal: AbortSignal.any([signal, controller.signal]), dispose: () => clearTimeout(timer) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { next?: unknown }).next === "function" &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}
