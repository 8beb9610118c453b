/** `justpipe resume <id>`: continues a stored run with the module `run` recorded (or `--module`). */
import type { PipeEvent, Store } from "justpipe";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { CommandError } from "../errors.js";
import { findRun } from "../find-run.js";
import { loadPipe, parseModuleReference } from "../load-module.js";
import { writeJson } from "../output.js";
import { readJsonOption } from "../state-option.js";
import { streamRun } from "./run.js";

/** Options of `resume`. */
export interface ResumeCommandOptions {
  readonly input?: string;
  readonly module?: string;
  readonly retryFailed?: boolean;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

type Resumable = {
  resume?(
    runId: string,
    options: {
      store: Store;
      input?: unknown;
      retryFailed?: boolean;
      labels?: Record<string, string>;
      signal?: AbortSignal;
    },
  ): AsyncIterable<PipeEvent>;
};

/** Resumes a run and streams it like `run`. */
export async function resumeRun(
  context: CommandContext,
  id: string,
  options: ResumeCommandOptions,
): Promise<void> {
  const input = readJsonOption("--input", options.input);
  const end = await withStore(context, async (store) => {
    const run = await findRun(context, store, id);
    const moduleText = options.module ?? run.labels.module;
    if (moduleText === undefined) {
      throw new CommandError(
        `run ${run.runId} was not started by \`justpipe run\`, so its module is unknown`,
        {
          details: ["Say which module defines its pipe: --module <module>[#export]"],
        },
      );
    }
    const pipe = (await loadPipe(parseModuleReference(moduleText))) as Resumable;
    if (typeof pipe.resume !== "function") {
      throw new CommandError("this version of justpipe cannot resume stored runs (pipe.resume is missing)");
    }
    const controller = new AbortController();
    const cancel = () => controller.abort(new Error("interrupted (Ctrl-C)"));
    process.once("SIGINT", cancel);
    let resumedId = "";
    try {
      const events = pipe.resume(run.runId, {
        store,
        ...(input !== undefined && { input }),
        ...(options.retryFailed && { retryFailed: true }),
        labels: { module: moduleText },
        signal: controller.signal,
      });
      const tap = async function* () {
        for await (const event of events) {
          if (!resumedId) resumedId = event.runId;
          yield event;
        }
      };
      const ended = await streamRun(tap(), () => resumedId, options);
      return { ended, resumedId };
    } finally {
      process.off("SIGINT", cancel);
    }
  });
  if (options.json)
    writeJson({ runId: end.resumedId, status: end.ended?.status ?? "client_closed", end: end.ended ?? null });
  process.exitCode = end.ended?.status === "success" ? 0 : 1;
}
