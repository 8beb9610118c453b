// Until the Store layer (issue 14) lands on main, the dashboard's tests keep runs in this small
// in-memory store with the write/read shape of the contract. It is replaced by MemoryStore then.
import type {
  EventQuery,
  PipelineRecord,
  PipelineSummary,
  RunQuery,
  RunReader,
  RunRecord,
  StoredEvent,
} from "../../../src/dashboard/index.js";

export interface WriteBatch {
  pipeline?: PipelineRecord;
  run?: RunRecord;
  events?: StoredEvent[];
}

export class MemoryReader implements RunReader {
  readonly runs = new Map<string, RunRecord>();
  readonly events = new Map<string, StoredEvent[]>();
  readonly pipelines = new Map<string, PipelineRecord>();

  async write(batch: WriteBatch): Promise<void> {
    if (batch.pipeline && !this.pipelines.has(batch.pipeline.hash)) {
      this.pipelines.set(batch.pipeline.hash, batch.pipeline);
    }
    if (batch.run) this.runs.set(batch.run.runId, batch.run);
    for (const event of batch.events ?? []) {
      const list = this.events.get(event.runId) ?? [];
      // Writes are idempotent: a batch sent again adds nothing (events arrive in seq order).
      if ((list.at(-1)?.seq ?? 0) < event.seq) list.push(event);
      this.events.set(event.runId, list);
    }
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const exact = this.runs.get(id);
    if (exact) return exact;
    const matches = [...this.runs.keys()].filter((runId) => runId.startsWith(id));
    if (matches.length > 1)
      throw new Error(`The prefix \`${id}\` matches ${matches.length} runs: give more characters`);
    return matches[0] === undefined ? undefined : this.runs.get(matches[0]);
  }

  #filter(query: RunQuery): RunRecord[] {
    return [...this.runs.values()]
      .filter(
        (run) =>
          (query.pipe === undefined || run.pipeName === query.pipe) &&
          (query.status === undefined || [query.status].flat().includes(run.status)) &&
          (query.since === undefined || run.startedAt >= query.since) &&
          (query.until === undefined || run.startedAt < query.until) &&
          (query.threadId === undefined || run.threadId === query.threadId) &&
          (query.search === undefined ||
            run.runId.startsWith(query.search) ||
            run.pipeName.toLowerCase().includes(query.search.toLowerCase())),
      )
      .sort((a, b) => b.startedAt - a.startedAt || (a.runId < b.runId ? 1 : -1));
  }

  async listRuns(query: RunQuery = {}): Promise<RunRecord[]> {
    const offset = query.offset ?? 0;
    return this.#filter(query).slice(offset, offset + (query.limit ?? 50));
  }

  async countRuns(query: RunQuery = {}): Promise<number> {
    return this.#filter(query).length;
  }

  async getEvents(runId: string, query: EventQuery = {}): Promise<StoredEvent[]> {
    return (this.events.get(runId) ?? [])
      .filter(
        (event) =>
          event.seq > (query.afterSeq ?? 0) &&
          (query.types === undefined || query.types.includes(event.type)),
      )
      .sort((a, b) => a.seq - b.seq)
      .slice(0, query.limit ?? Number.POSITIVE_INFINITY);
  }

  async listPipelines(): Promise<PipelineSummary[]> {
    return [...this.pipelines.values()].map((pipeline) => {
      const runs = [...this.runs.values()].filter((run) => run.pipeHash === pipeline.hash);
      return {
        hash: pipeline.hash,
        name: pipeline.name,
        firstSeen: pipeline.firstSeen,
        runCount: runs.length,
        lastRunAt: runs.length === 0 ? null : Math.max(...runs.map((run) => run.startedAt)),
      };
    });
  }

  async getPipeline(hash: string): Promise<PipelineRecord | undefined> {
    return this.pipelines.get(hash);
  }
}
