/**
 * justpipe: your code is the graph. Async, streaming pipelines for AI.
 *
 * @packageDocumentation
 */
export type { EventHook, Observer, ObserverInfo } from "./definition/compiled.js";
export { Raise, Retry, Skip, Stop, type StopSignal, Suspend } from "./definition/control.js";
export { Pipe, type StepInfo } from "./definition/pipe.js";
export type { StepKind } from "./definition/registry.js";
export type {
  AnyHandler,
  ErrorHandler,
  FailureClassificationConfig,
  FailureClassificationContext,
  GlobalErrorArgs,
  HookArgs,
  HookHandler,
  MapHandler,
  MapOptions,
  Meta,
  Middleware,
  PipeOptions,
  RetryOption,
  RunOptions,
  ScopedMeta,
  StepArgs,
  StepContext,
  StepHandler,
  StepOptions,
  StepResult,
  SubHandler,
  SubOptions,
  SwitchHandler,
  SwitchOptions,
  SwitchRoutes,
  Target,
  WrappedHandler,
} from "./definition/types.js";
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
export {
  type BarrierReleasePayload,
  type BarrierWaitPayload,
  type BaseEvent,
  type EventOf,
  type EventPayloadMap,
  EventType,
  FailureKind,
  FailureReason,
  type FailureRecord,
  FailureSource,
  type MapCompletePayload,
  type MapStartPayload,
  type MapWorkerPayload,
  NodeKind,
  type PipeEvent,
  type PipelineEndData,
  PipelineTerminalStatus,
  type ReasonPayload,
  type RuntimeMetrics,
  type StepErrorPayload,
  type StepTiming,
  type SuspendPayload,
} from "./events/types.js";
export { type Clock, realClock } from "./runtime/clock.js";
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
