// The dashboard's JSON API, typed. Types come from the server's contract (type imports only).

import type {
  PipeDescription,
  PipelineRecord,
  PipelineSummary,
  RunRecord,
  RunStatus,
  StoredEvent,
} from "../../src/index.js";

export type { PipeDescription, PipelineRecord, PipelineSummary, RunRecord, RunStatus, StoredEvent };

export interface RunsPage {
  runs: RunRecord[];
  total: number;
  limit: number;
  offset: number;
}

export interface ChainLink {
  runId: string;
  status: RunStatus;
  startedAt: number;
}

export interface RunDetail {
  run: RunRecord;
  pipeline: PipeDescription | null;
  chain: ChainLink[];
}

/** One step across the sampled runs of a pipe (`computeStats` of justpipe/inspect). */
export interface StepStats {
  step: string;
  runs: number;
  invocations: number;
  failures: number;
  successRate: number;
  p50Ms: number;
  p95Ms: number;
}

/** One pipe across the sampled runs. */
export interface PipeStats {
  pipe: string;
  runs: number;
  successRate: number | null;
  p50Ms: number;
  p95Ms: number;
  steps: StepStats[];
}

export interface Stats {
  pipe: string | null;
  total: number;
  byStatus: Record<string, number>;
  successRate: number | null;
  sampled: number;
  recent: { runId: string; startedAt: number; durationMs: number | null; status: RunStatus }[];
  pipes: PipeStats[];
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function getJson<T>(
  path: string,
  params: Record<string, string | number | undefined> = {},
  signal?: AbortSignal,
): Promise<T> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const search = query.toString();
  const response = await fetch(search === "" ? path : `${path}?${search}`, {
    headers: { accept: "application/json" },
    ...(signal === undefined ? {} : { signal }),
  });
  const body = (await response.json().catch(() => ({ error: response.statusText }))) as { error?: string };
  if (!response.ok) throw new ApiError(response.status, body.error ?? `HTTP ${response.status}`);
  return body as T;
}

export const runUrl = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;
