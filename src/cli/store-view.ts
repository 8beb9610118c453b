/**
 * The part of the Store contract the command uses, mirrored from the store layer being written
 * (issue 14). TEMPORARY: replaced by the Store types exported from `justpipe` once it is merged.
 */
import type { PipelineEndData } from "justpipe";

/** A stored run. */
export interface RunRecord {
  readonly runId: string;
  readonly threadId: string;
  readonly resumedFrom: string | null;
  readonly parentRunId: string | null;
  readonly pipeName: string;
  readonly pipeHash: string;
  readonly status: string;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly durationMs: number | null;
  readonly failureKind: string | null;
  readonly failureSource: string | null;
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

/** A stored event: the `PipeEvent` fields, JSON-safe; coalesced token rows hold several tokens. */
export interface StoredEvent {
  readonly runId: string;
  readonly seq: number;
  readonly type: string;
  readonly stage: string;
  readonly timestamp: number;
  readonly originRunId: string;
  readonly parentRunId: string | null;
  readonly nodeKind: string;
  readonly invocationId: string | null;
  readonly parentInvocationId: string | null;
  readonly ownerInvocationId: string | null;
  readonly attempt: number;
  readonly scope: readonly string[];
  readonly meta: Readonly<Record<string, unknown>> | null;
  readonly payload: unknown;
  readonly coalesced?: { readonly count: number; readonly lastSeq: number };
}

/** A stored definition. */
export interface PipelineRecord {
  readonly hash: string;
  readonly name: string;
  readonly describe: Readonly<Record<string, unknown>>;
  readonly firstSeen: number;
}

/** One line of `listPipelines()`. */
export interface PipelineSummary {
  readonly hash: string;
  readonly name: string;
  readonly firstSeen: number;
  readonly runCount: number;
  readonly lastRunAt: number | null;
}

/** Which runs to list. */
export interface RunQuery {
  readonly pipe?: string;
  readonly pipeHash?: string;
  readonly status?: string | readonly string[];
  readonly since?: number;
  readonly until?: number;
  readonly idPrefix?: string;
  readonly threadId?: string;
  readonly limit?: number;
  readonly offset?: number;
}

/** Which runs to delete. */
export interface DeleteQuery {
  readonly olderThan?: number;
  readonly status?: string | readonly string[];
  readonly pipe?: string;
  readonly dryRun?: boolean;
}

/** Which events to read. */
export interface EventQuery {
  readonly afterSeq?: number;
  readonly types?: readonly string[];
  readonly steps?: readonly string[];
  readonly limit?: number;
}

/** What the command needs from a store. */
export interface Store {
  readonly location: string;
  init(): Promise<void>;
  write(batch: {
    pipeline?: PipelineRecord;
    run?: RunRecord;
    events?: readonly StoredEvent[];
  }): Promise<void>;
  getRun(idOrPrefix: string): Promise<RunRecord | undefined>;
  findRunIds(prefix: string, limit?: number): Promise<string[]>;
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  countRuns(query?: RunQuery): Promise<number>;
  getEvents(runId: string, query?: EventQuery): Promise<StoredEvent[]>;
  followEvents(
    runId: string,
    options?: { afterSeq?: number; signal?: AbortSignal; pollInterval?: number },
  ): AsyncIterable<StoredEvent>;
  listPipelines(): Promise<PipelineSummary[]>;
  getPipeline(hash: string): Promise<PipelineRecord | undefined>;
  deleteRuns(query: DeleteQuery): Promise<number>;
  close(): Promise<void>;
}
