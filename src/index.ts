/**
 * justpipe: your code is the graph. Async, streaming pipelines for AI.
 *
 * @packageDocumentation
 */

export { Pipe } from "./definition/pipe.js";
export type { StepInfo } from "./definition/step-info.js";
export type { SubOptions } from "./definition/sub-options.js";
export {
  BarrierTimeoutError,
  DefinitionError,
  type DefinitionIssue,
  JustpipeError,
  type JustpipeErrorCode,
  PipeFrozenError,
  RetryLimitError,
  StepNotFoundError,
  StepTimeoutError,
  SubPipelineError,
} from "./errors/errors.js";
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
export { DEFAULT_EXTERNAL_PREFIXES } from "./events/failure.js";
export type {
  FailureClassificationConfig,
  FailureClassificationContext,
} from "./events/failure-classification.js";
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
export type { Clock } from "./model/clock.js";
export { Raise, Retry, Skip, Stop, type StopSignal, Suspend } from "./model/control.js";
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
export type { EventHook, Observer, ObserverInfo } from "./model/observer.js";
export type {
  MapOptions,
  Middleware,
  PipeOptions,
  RetryOption,
  RunOptions,
  StepContext,
  StepOptions,
  SwitchOptions,
  SwitchRoutes,
  WrappedHandler,
} from "./model/options.js";
export type { StepKind } from "./model/step-definition.js";
export { realClock } from "./runtime/clock.js";
export { simpleLoggingMiddleware } from "./runtime/logging-middleware.js";
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
