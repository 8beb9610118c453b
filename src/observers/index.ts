/**
 * `justpipe/observers`: ready-made observers for watching runs: an event logger, a timeline
 * recorder, a state-diff tracker and a barrier debugger.
 *
 * @example
 * ```ts
 * import { EventLogger, TimelineRecorder } from "justpipe/observers";
 * pipe.addObserver(new EventLogger({ level: "info", redact: ["apiKey"] }));
 * pipe.addObserver(new TimelineRecorder({ print: process.stderr }));
 * ```
 *
 * @packageDocumentation
 */
export {
  BarrierDebugger,
  type BarrierDebuggerOptions,
  type BarrierWarning,
} from "./barrier-debugger.js";
export {
  EventLogger,
  type EventLoggerOptions,
  type LogLevel,
  type LogSink,
  levelOf,
} from "./event-logger.js";
export { diffJson, type JsonPatchOperation } from "./json-patch.js";
export { REDACTED, type Redaction, toJsonSafe } from "./json-safe.js";
export { type StateChange, StateDiffTracker, type StateDiffTrackerOptions } from "./state-diff.js";
export { TimelineRecorder, type TimelineRecorderOptions } from "./timeline-recorder.js";
