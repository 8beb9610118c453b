/**
 * Prints a run of the RAG pipeline as a readable timeline, streaming the answer as it arrives.
 * Used by this example and by `npm run demo`.
 */
import { EventType, type PipelineEndData, type Store } from "justpipe";
import { createRagPipeline, newRagContext, newRagState, type RagOptions, type RagState } from "./pipeline.js";

export interface TimelineOptions extends RagOptions {
  /** Stores the run (the demo writes to the default store, for `npx justpipe runs list`). */
  store?: Store;
  /** Where to write (default: stdout). */
  write?: (text: string) => void;
  /** Prefix each line with the milliseconds since the run started. @default false */
  times?: boolean;
}

const hits = (n: number) => `${n} hit${n === 1 ? "" : "s"}`;

/** What to say after a step ended, from the state it wrote. */
function detail(step: string, state: RagState): string {
  switch (step) {
    case "parseQuery":
      return `keywords: ${state.keywords.join(", ")}`;
    case "searchVectors":
      return hits(state.hits.vectors.length);
    case "searchKeywords":
      return hits(state.hits.keywords.length);
    case "searchWeb":
      return hits(state.hits.web.length);
    case "fuseResults":
      return `${state.candidates.length} candidates: ${state.candidates.map((doc) => doc.id).join(", ")}`;
    case "buildContext":
      return `context: ${state.context.map((doc) => doc.title).join(", ")}`;
    default:
      return "";
  }
}

/** Runs the pipeline on `question`, printing the timeline; returns the FINISH payload. */
export async function runRag(
  question: string,
  options: TimelineOptions = {},
): Promise<PipelineEndData | undefined> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const state = newRagState(question);
  const started = performance.now();
  const line = (text: string) => {
    const time = options.times ? `${(performance.now() - started).toFixed(0).padStart(4)} ms  ` : "";
    write(`${time}${text}\n`);
  };
  let finish: PipelineEndData | undefined;
  let streaming = false;

  const indent = options.times ? "         " : "  ";
  const runOptions = { context: newRagContext(), ...(options.store ? { store: options.store } : {}) };
  for await (const event of createRagPipeline(options).run(state, runOptions)) {
    if (event.scope.length > 0 && event.type !== EventType.TOKEN) continue; // map workers: summarised below
    switch (event.type) {
      case EventType.STEP_START:
        if (event.stage !== "generateAnswer" && event.stage !== "sayUnknown") line(`▶ ${event.stage}`);
        break;
      case EventType.STEP_END: {
        if (streaming) {
          write("\n");
          streaming = false;
          break;
        }
        const text = detail(event.stage, state);
        line(`✓ ${event.stage}${text ? `  ${text}` : ""}`);
        break;
      }
      case EventType.STEP_ERROR:
        line(`✗ ${event.stage}  ${event.payload.message}${event.payload.retrying ? " (retrying)" : ""}`);
        break;
      case EventType.BARRIER_RELEASE:
        line(`⇥ ${event.stage} joins the three searches`);
        break;
      case EventType.MAP_START:
        line(`⇉ ${event.stage}: one ${event.payload.target} worker per candidate, 3 at a time`);
        break;
      case EventType.MAP_COMPLETE:
        line(`⇇ ${event.stage}: ${event.payload.itemCount} candidates scored`);
        break;
      case EventType.TOKEN:
        if (!streaming) {
          line(`▶ ${event.stage}`);
          write(indent);
          streaming = true;
        }
        write(String(event.payload));
        break;
      case EventType.FINISH:
        finish = event.payload;
        line(`■ ${event.payload.status}`);
        break;
    }
  }
  const metrics = finish?.metrics;
  if (metrics !== undefined) {
    write(
      `\n${metrics.tasks.started} step runs (up to ${metrics.tasks.peakActive} at once), ` +
        `${metrics.maps.workersStarted} map workers, ${metrics.retries} retry, ${metrics.tokens} tokens\n`,
    );
  }
  return finish;
}
