/**
 * justpipe: your code is the graph. Async, streaming pipelines for AI.
 *
 * @packageDocumentation
 */
// biome-ignore-all assist/source/organizeImports: grouped by topic, one comment per group

// The pipeline: define steps, run it, read what it is.
export { Pipe } from "./definition/pipe.js";
export { DEFAULT_OBSERVER_TIMEOUT, DEFAULT_SHUTDOWN_TIMEOUT } from "./definition/pipe-options.js";
export type { StepInfo } from "./definition/step-info.js";
export { isStepToken } from "./definition/step-token.js";
export type { InvokeArguments, InvokeOptions, InvokeResult } from "./runtime/invoke.js";

// What a step returns to steer the run.
export { Raise, Retry, Skip, Stop, type StopSignal, Suspend } from "./model/control.js";

// Handlers and what they receive.
export type {
  AnyHandler,
  ErrorHandler,
  GlobalErrorArgs,
  HookArgs,
  HookHandler,
  MapHandler,
  Meta,
  ScopedMeta,
  StepArgs,
  StepHandler,
  StepResult,
  SubHandler,
  SwitchHandler,
  Target,
} from "./model/handler-types.js";
export type { StepKind } from "./model/step-definition.js";
export type { StepItem, StepToken, StepType, StepTypes } from "./model/step-types.js";

// Options of the Pipe, its steps and its runs.
export type { SubOptions } from "./definition/sub-options.js";
export type {
  MapOptions,
  PipeOptions,
  RetryOption,
  RunArguments,
  RunOptions,
  StepOptions,
  SwitchOptions,
  SwitchRoutes,
} from "./model/options.js";

// Extending a pipe: middleware, observers, event hooks.
export type { EventHook, Observer, ObserverInfo } from "./model/observer.js";
export type { Middleware, StepContext, WrappedHandler } from "./model/options.js";
export { simpleLoggingMiddleware } from "./runtime/logging-middleware.js";

// Events: the stream a run yields, and their payloads.
export {
  type BarrierReleasePayload,
  type BarrierWaitPayload,
  type BaseEvent,
  type EventOf,
  type EventPayloadMap,
  EventType,
  type MapCompletePayload,
  type MapStartPayload,
  type MapWorkerPayload,
  NodeKind,
  type PipeEvent,
  type ReasonPayload,
  type StepErrorPayload,
  type SuspendPayload,
} from "./events/types.js";

// How a run ended: FINISH's payload, failures and their attribution, metrics.
export {
  FailureKind,
  FailureReason,
  type FailureRecord,
  FailureSource,
  type PipelineEndData,
  PipelineTerminalStatus,
  type RuntimeMetrics,
  type StepTiming,
} from "./events/outcome.js";
export { DEFAULT_EXTERNAL_PREFIXES } from "./events/failure.js";
export { type SerializedError, serializeError, toJsonEvent } from "./events/serialize.js";
export type {
  FailureClassificationConfig,
  FailureClassificationContext,
} from "./events/failure-classification.js";

// Errors: every one extends JustpipeError and has a stable `code`.
export {
  BarrierTimeoutError,
  DefinitionError,
  type DefinitionIssue,
  HookTimeoutError,
  JustpipeError,
  type JustpipeErrorCode,
  PipeFrozenError,
  RetryLimitError,
  StepNotFoundError,
  StepTimeoutError,
  SubPipelineError,
} from "./errors/errors.js";
export { PipelineError } from "./events/pipeline-error.js";
export {
  AmbiguousRunIdError,
  CodecError,
  ResumeMismatchError,
  RunExistsError,
  RunLockedError,
  RunNotFoundError,
  RunNotResumableError,
  StoreError,
} from "./errors/store-errors.js";

// Running steps elsewhere: executors, state deltas and their conflicts (justpipe/bullmq uses them).
export {
  DefinitionMismatchError,
  RemoteStepError,
  StateConflictError,
  StateDeltaError,
  type StatePath,
} from "./errors/execution.js";
export { DeltaLedger } from "./model/delta-ledger.js";
export type {
  ExecutorMessage,
  MetaOperation,
  StateConflictPolicy,
  StepExecutor,
  StepTask,
} from "./model/executor.js";
export {
  applyDelta,
  type DeltaOperation,
  deepEqual,
  diffState,
  type StateDelta,
} from "./model/state-delta.js";
export { stateView } from "./model/state-view.js";
export { type IsolatedExecutorOptions, isolatedExecutor } from "./runtime/isolated-executor.js";

// Time: the clock runs read (swap in SimulatedClock to test timing).
export type { Clock } from "./model/clock.js";
export { realClock } from "./runtime/clock.js";

// Durable runs: the run store, its records, checkpoints and the state codec.
export type {
  Checkpoint,
  CheckpointReason,
  Frontier,
  FrontierBarrier,
  FrontierInvocation,
  FrontierMap,
} from "./store/checkpoint.js";
export { type Codec, fromTaggedJson, jsonCodec, toTaggedJson } from "./store/codec.js";
export { MemoryStore, type MemoryStoreOptions } from "./store/memory-store.js";
export type { TokenPersistence } from "./store/recorder.js";
export type {
  DurablePipeOptions,
  Durability,
  DurableInvokeArguments,
  DurableRunArguments,
  DurableRunOptions,
  ResumeOptions,
} from "./definition/durable-options.js";
export type { ObserveOptions, StartOptions } from "./definition/detached-run.js";
export type { DetachedRunRequest } from "./model/detached-run-request.js";
export { closestRunIds } from "./store/query.js";
export type { PipelineRecord, PipelineSummary, RunRecord, RunStatus, StoredEvent } from "./store/records.js";
export { generateRunId } from "./store/run-id.js";
export type {
  DeleteQuery,
  EventQuery,
  FollowOptions,
  Instant,
  RunQuery,
  Store,
  WriteBatch,
} from "./store/store.js";

// Drawing and describing a pipe (pipe.graph(), pipe.describe()).
export type {
  EdgeDescription,
  EdgeKind,
  GraphDirection,
  GraphOptions,
  GroupDescription,
  JsonValue,
  NodeDescription,
  PipeDescription,
  RetryPolicyDescription,
} from "./visualization/index.js";

// Testing: re-exported for convenience; "justpipe/testing" is their home.
export {
  MockAssertionError,
  type MockCall,
  type MockImplementation,
  SimulatedClock,
  type StepCall,
  type StepErrorRecord,
  type StepMock,
  TestPipe,
  type TestResult,
} from "./testing/index.js";
