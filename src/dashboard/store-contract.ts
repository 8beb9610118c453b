import type {
  EventType,
  FailureKind,
  FailureSource,
  PipeDescription,
  PipeEvent,
  PipelineEndData,
  PipelineTerminalStatus,
} from "../index.js";

/**
 * The status of a stored run: `"running"` while it goes, then its terminal status.
 * (Mirrors the Store contract of API.md "Durable runs"; replaced by the `src/store` types once
 * that layer lands.)
 */
export type RunStatus = "running" | PipelineTerminalStatus;

/** One stored run segment, as the Store contract describes a `RunRecord`. */
export interface RunRecord {
  readonly runId: string;
  readonly threadId: string;
  readonly resumedFrom: string | null;
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
}

/** A stored event: the `PipeEvent` fields, its payload decoded. */
export type StoredEvent = PipeEvent;

/** A pipeline the store has seen: its `describe()` under its hash. */
export interface PipelineRecord {
  readonly hash: string;
  readonly name: string;
  readonly describe: PipeDescription;
  readonly firstSeen: number;
}

/** What `listRuns` filters by. */
export interface RunQuery {
  readonly pipe?: string;
  readonly status?: readonly RunStatus[];
  readonly since?: number;
  readonly until?: number;
  readonly threadId?: string;
  /** Runs whose id starts with this, or whose pipe name contains it. */
  readonly search?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** What `getEvents` filters by. */
export interface EventQuery {
  readonly afterSeq?: number;
  readonly types?: readonly EventType[];
  readonly limit?: number;
}

/** The reading half of a Store: all the dashboard needs. */
export interface RunReader {
  getRun(idOrUniquePrefix: string): Promise<RunRecord | undefined>;
  listRuns(query: RunQuery): Promise<RunRecord[]>;
  countRuns(query: RunQuery): Promise<number>;
  getEvents(runId: string, query?: EventQuery): Promise<StoredEvent[]>;
  listPipelines(): Promise<PipelineRecord[]>;
}
