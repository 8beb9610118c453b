// Fills the dashboard's test stores with real runs: `pipe.run(state, { store })` and
// `pipe.resume(runId, { store })`, drained to the end, then the stored record.
import type { Pipe, RunRecord, Store } from "justpipe";

export interface StoredRunOptions {
  /** The run's id (default: a generated one). */
  readonly runId?: string;
  /** Called with each event as it streams (a live test can wait for a step to start). */
  readonly onEvent?: (event: { type: string; stage: string; runId: string }) => void;
}

/** Runs `pipe` with `store` to its end and returns the stored run. */
export async function runStored<State extends object>(
  store: Store,
  pipe: Pipe<State>,
  state: State,
  options: StoredRunOptions = {},
): Promise<RunRecord> {
  let runId = options.runId;
  for await (const event of pipe.run(state, { store, ...(options.runId !== undefined && { runId }) })) {
    runId ??= event.runId;
    options.onEvent?.(event);
  }
  return stored(store, runId);
}

/** Resumes a stored run with `store` to its end and returns the new segment. */
export async function resumeStored<State extends object>(
  store: Store,
  pipe: Pipe<State>,
  runId: string,
  input?: Partial<State>,
): Promise<RunRecord> {
  let segment: string | undefined;
  for await (const event of pipe.resume(runId, { store, ...(input !== undefined && { input }) })) {
    segment ??= event.runId;
  }
  return stored(store, segment);
}

async function stored(store: Store, runId: string | undefined): Promise<RunRecord> {
  const run = runId === undefined ? undefined : await store.getRun(runId);
  if (run === undefined) throw new Error(`the run ${runId} was not stored`);
  return run;
}
