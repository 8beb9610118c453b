import type { RunOptions } from "../model/options.js";
import type { InvokeOptions } from "../runtime/invoke.js";
import type { Durability } from "../runtime/persistence.js";
import type { Codec } from "../store/codec.js";
import type { TokenPersistence } from "../store/recorder.js";
import type { Store } from "../store/store.js";

export type { Durability } from "../runtime/persistence.js";

/** Run options for durable runs: where to store the run, and how often. */
export interface DurableRunOptions {
  /**
   * Stores the run (events, record, definition, checkpoints), so the command line and dashboard
   * can show it and `pipe.resume()` can continue it. Overrides the Pipe's `store`.
   * @default the Pipe's `store`; none: nothing is stored
   */
  store?: Store;
  /**
   * When checkpoints are written: `"exit"` at suspend, finish and failure; `"step"` after step
   * ends too (batched; successors do not wait); `"sync"` successors start after the commit.
   * @default the Pipe's `durability`, else "exit"
   */
  durability?: Durability;
  /** The run's id; a second run with an existing id is a `RunExistsError`. @default generateRunId() */
  runId?: string;
  /** Labels stored with the run (`{ module: "./pipe.ts" }`), for the command line and dashboard. */
  labels?: Record<string, string>;
  /** Encodes the state for checkpoints. @default jsonCodec */
  codec?: Codec;
  /** What is stored: `tokens` coalesced per invocation and batch (default), every one, or none. */
  persist?: { tokens?: TokenPersistence };
  /**
   * How long the run's lease lasts, in milliseconds; it is renewed every third of it while the
   * process lives. A process that dies leaves a `"running"` run that can be resumed once its lease
   * has expired.
   * @default 30000
   */
  leaseTtl?: number;
}

/** The arguments of `pipe.run(state, ...)`: its options, durable ones included (`context` required when the Context type needs one). */
export type DurableRunArguments<Context> = undefined extends Context
  ? [options?: RunOptions<Context> & DurableRunOptions]
  : [options: RunOptions<Context> & DurableRunOptions & { context: Context }];

/**
 * The arguments of `pipe.invoke(state, ...)`: the options of `invoke()` (`throwOnFailure`) and the
 * durable ones (`store`, `runId`, `durability`, `labels`, ...); `context` required when the
 * Context type needs one.
 */
export type DurableInvokeArguments<Context> = undefined extends Context
  ? [options?: InvokeOptions<Context> & DurableRunOptions]
  : [options: InvokeOptions<Context> & DurableRunOptions & { context: Context }];

/** Pipe options for durable runs: the default store and durability of every run of the pipe. */
export interface DurablePipeOptions {
  /** Stores every run of the pipe (a run's own `store` option overrides it). @default none */
  store?: Store;
  /** The default `durability` of the pipe's runs. @default "exit" */
  durability?: Durability;
}

/** Options of `pipe.resume(runId, options)`. */
export interface ResumeOptions<State = unknown, Context = undefined>
  extends Omit<DurableRunOptions, "runId"> {
  /** A partial state merged into the restored state, or a function that changes it. */
  input?: Partial<State> | ((state: State) => void | Promise<void>);
  /** The context of the new run segment (contexts are never stored). */
  context?: Context;
  /** Cancels the resumed run. */
  signal?: AbortSignal;
  /** Ends the resumed run after this many milliseconds. */
  timeout?: number;
  /** Resume a failed, timed-out or cancelled run (the steps that had not ended run again). @default false */
  retryFailed?: boolean;
  /** Resume though the pipe's definition changed since the run was stored. @default false */
  allowDefinitionChange?: boolean;
}
