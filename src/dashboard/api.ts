import { JustpipeError, jsonCodec, type RunRecord, type Store } from "../index.js";
import { eventsOfTypes } from "./events-of-types.js";
import { HttpProblem } from "./http-problem.js";
import { toDisplayJson } from "./json.js";
import { QueryReader } from "./query.js";
import { findRuns } from "./run-search.js";
import { computeStats } from "./run-stats.js";

/** The most runs one `/api/runs` page returns. */
export const MAX_PAGE = 500;
/** The most events one `/api/runs/:id/events` call returns. */
export const MAX_EVENTS = 10_000;

/** A JSON answer of the API. */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The read-only JSON API over a store: `pathname` and `params` in, a status and a body out.
 * Streams (`/api/runs/:id/stream`) are handled by `streamRun`.
 */
export class DashboardApi {
  readonly #reader: Store;

  constructor(reader: Store) {
    this.#reader = reader;
  }

  /** Answers one GET; throws {@link HttpProblem} for a bad request or a missing run. */
  async answer(pathname: string, params: URLSearchParams): Promise<ApiAnswer> {
    const parts = pathname.split("/").slice(2).map(decodeSegment);
    const [resource, id, sub] = parts;
    if (parts.length === 1 && resource === "health") {
      new QueryReader(params, []);
      return { status: 200, body: { ok: true } };
    }
    if (resource === "runs" && parts.length === 1) return this.#runs(params);
    if (resource === "runs" && id !== undefined && parts.length === 2) return this.#run(id, params);
    if (resource === "runs" && id !== undefined && sub === "events" && parts.length === 3) {
      return this.#events(id, params);
    }
    if (resource === "runs" && id !== undefined && sub === "state" && parts.length === 3) {
      new QueryReader(params, []);
      return this.#state(id);
    }
    if (resource === "pipelines" && parts.length === 1) {
      new QueryReader(params, []);
      return { status: 200, body: { pipelines: await this.#reader.listPipelines() } };
    }
    if (resource === "pipelines" && id !== undefined && parts.length === 2) {
      new QueryReader(params, []);
      if (!/^[\w-]{1,128}$/.test(id))
        throw new HttpProblem(400, `Expected a pipeline hash, got \`${id.slice(0, 60)}\``);
      const pipeline = await this.#reader.getPipeline(id);
      if (pipeline === undefined) throw new HttpProblem(404, `No pipeline with hash \`${id}\` in this store`);
      return { status: 200, body: { pipeline } };
    }
    if (resource === "stats" && parts.length === 1) {
      const query = new QueryReader(params, ["pipe", "since"]);
      const filter = { pipe: query.text("pipe"), since: query.time("since") };
      return { status: 200, body: await computeStats(this.#reader, withoutUndefined(filter)) };
    }
    throw new HttpProblem(
      404,
      `No API endpoint at ${pathname}: see GET /api/health, /api/runs, /api/pipelines`,
    );
  }

  /** The run an id or unique prefix names, or a 404 naming it. */
  async findRun(id: string): Promise<RunRecord> {
    // Any id a caller chose (queries are parameterised), but no control characters.
    if (id.length === 0 || id.length > 200 || hasControlCharacter(id)) {
      throw new HttpProblem(
        400,
        `Expected a run id or prefix of 1 to 200 printable characters, got \`${JSON.stringify(id.slice(0, 60))}\``,
      );
    }
    let run: RunRecord | undefined;
    try {
      run = await this.#reader.getRun(id);
    } catch (error) {
      // An ambiguous prefix is the caller's to fix.
      if (error instanceof JustpipeError && error.code === "AMBIGUOUS_RUN_ID") {
        throw new HttpProblem(400, error.message);
      }
      throw error;
    }
    if (run === undefined) throw new HttpProblem(404, `No run with id or prefix \`${id}\` in this store`);
    return run;
  }

  async #runs(params: URLSearchParams): Promise<ApiAnswer> {
    const query = new QueryReader(params, ["status", "pipe", "q", "limit", "offset", "since", "until"]);
    const filter = withoutUndefined({
      status: query.statuses("status"),
      pipe: query.text("pipe"),
      since: query.time("since"),
      until: query.time("until"),
    });
    const search = query.text("q")?.trim() || undefined;
    const limit = query.integer("limit", { min: 1, max: MAX_PAGE, fallback: 50 })!;
    const offset = query.integer("offset", { min: 0, max: 1e12, fallback: 0 })!;
    const { runs, total } = await findRuns(this.#reader, filter, search, { limit, offset });
    return { status: 200, body: { runs, total, limit, offset } };
  }

  async #run(id: string, params: URLSearchParams): Promise<ApiAnswer> {
    new QueryReader(params, []);
    const run = await this.findRun(id);
    const [pipeline, chain] = await Promise.all([
      this.#reader.getPipeline(run.pipeHash),
      this.#reader.listRuns({ threadId: run.threadId, limit: 100, offset: 0 }),
    ]);
    const links = chain
      .map((segment) => ({ runId: segment.runId, status: segment.status, startedAt: segment.startedAt }))
      .sort((a, b) => a.startedAt - b.startedAt);
    return { status: 200, body: { run, pipeline: pipeline?.describe ?? null, chain: links } };
  }

  async #state(id: string): Promise<ApiAnswer> {
    return stateAt(this.#reader, await this.findRun(id));
  }

  async #events(id: string, params: URLSearchParams): Promise<ApiAnswer> {
    const query = new QueryReader(params, ["afterSeq", "type", "limit"]);
    const afterSeq = query.integer("afterSeq", { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 })!;
    const types = query.eventTypes("type");
    const limit = query.integer("limit", { min: 1, max: MAX_EVENTS, fallback: 1000 })!;
    const run = await this.findRun(id);
    const events =
      types === undefined
        ? await this.#reader.getEvents(run.runId, { afterSeq, limit })
        : await eventsOfTypes(this.#reader, run.runId, types, { afterSeq, limit });
    return { status: 200, body: { events } };
  }
}

/** The state at a run's last checkpoint (decoded when the default JSON codec wrote it). */
async function stateAt(store: Store, run: RunRecord): Promise<ApiAnswer> {
  const checkpoint = await store.loadCheckpoint(run.runId);
  if (checkpoint === undefined)
    return { status: 200, body: { checkpoint: null, state: null, decoded: false } };
  const { state: encoded, ...about } = checkpoint;
  let state: unknown;
  let decoded = false;
  if (checkpoint.codec === jsonCodec.name) {
    // Maps, Sets, dates and big integers as JSON can show them.
    state = JSON.parse(toDisplayJson(jsonCodec.decode(encoded)));
    decoded = true;
  } else {
    // A codec of the application's own: show what is stored.
    state =
      typeof encoded === "string" ? encoded : `(${encoded.byteLength} bytes, codec ${checkpoint.codec})`;
  }
  return { status: 200, body: { checkpoint: about, state, decoded } };
}

function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpProblem(400, `Malformed percent-encoding in the path segment \`${segment.slice(0, 60)}\``);
  }
}

function withoutUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
