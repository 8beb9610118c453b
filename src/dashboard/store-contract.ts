// The reading half of the Store (issue 14), mirrored from its interface while that layer is on its
// way to main: once it lands, these types are imported from "../index.js" and this file goes.
import type {
  EventType,
  FailureKind,
  FailureSource,
  NodeKind,
  PipelineEndData,
  PipelineTerminalStatus,
} from "../index.js";

/** The status of a stored run: `"running"` while it goes, then its terminal status. */
export type RunStatus = "running" | PipelineTerminalStatus;

/** One stored run segment. */
export interface RunRecord {
  readonly runId: string;
  readonly threadId: string;
  readonly resumedFrom: string | null;
  readonly parentRunId: string | null;
  readonly pipeName: string;
  readonly pipeHash: string;
  readonly status: RunStatus;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly durationMs: number | null;
  readonly failureKind: FailureKind | null;
  readonly failureSource: FailureSource | null;
  readonly failedStep: string | null;
  readonly error: string | null;
  readonly suspendedStep: string | null;
  readonly suspendReason: string | null;
  readonly end: PipelineEndData | null;
  readonly labels: Readonly<Record<string, string>>;
  readonly owner: string | null;
  readonly leaseUntil: number | null;
  readonly lastSeq: number;
  readonly updatedAt: number;
}

/** A stored event: the `PipeEvent` fields with a JSON-safe payload. */
export interface StoredEvent {
  readonly runId: string;
  readonly seq: number;
  readonly type: EventType;
  readonly stage: string;
  readonly timestamp: number;
  readonly originRunId: string;
  readonly parentRunId: string | null;
  readonly nodeKind: NodeKind;
  readonly invocationId: string | null;
  readonly parentInvocationId: string | null;
  readonly ownerInvocationId: string | null;
  readonly attempt: number;
  readonly scope: readonly string[];
  readonly meta: Readonly<Record<string, unknown>> | null;
  /** For coalesced tokens: the array of token payloads. */
  readonly payload: unknown;
  /** Set on a row that holds several tokens of one invocation. */
  readonly coalesced?: { readonly count: number; readonly lastSeq: number };
}

/** A pipeline the store has seen: its `describe()` under its hash. */
export interface PipelineRecord {
  readonly hash: string;
  readonly name: string;
  readonly describe: Readonly<Record<string, unknown>>;
  readonly firstSeen: number;
}

/** A pipeline in `listPipelines()`. */
export interface PipelineSummary {
  readonly hash: string;
  readonly name: string;
  readonly firstSeen: number;
  readonly runCount: number;
  readonly lastRunAt: number | null;
}

/** What `listRuns` and `countRuns` filter by. */
export interface RunQuery {
  readonly pipe?: string;
  readonly status?: RunStatus | readonly RunStatus[];
  readonly since?: number;
  readonly until?: number;
  readonly threadId?: string;
  /** Runs whose id starts with it, or whose pipe name, error or failed step contains it. */
  readonly search?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** What `getEvents` filters by. */
export interface EventQuery {
  readonly afterSeq?: number;
  readonly types?: readonly EventType[];
  readonly steps?: readonly string[];
  readonly limit?: number;
}

/** The reading half of a Store: all the dashboard uses. */
export interface RunReader {
  getRun(idOrPrefix: string): Promise<RunRecord | undefined>;
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  countRuns(query?: RunQuery): Promise<number>;
  getEvents(runId: string, query?: EventQuery): Promise<StoredEvent[]>;
  listPipelines(): Promise<PipelineSummary[]>;
  getPipeline(hash: string): Promise<PipelineRecord | undefined>;
}
