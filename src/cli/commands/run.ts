/** `justpipe run <module>[#export]`: runs a pipe from a module and stores the run. */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { generateRunId, type PipeEvent, type PipelineEndData, type Store } from "justpipe";
import type { CommandContext } from "../context.js";
import { withStore } from "../context.js";
import { UsageError } from "../errors.js";
import { loadPipe, parseModuleReference } from "../load-module.js";
import { colorsFor, writeJson } from "../output.js";
import { Progress } from "../progress.js";
import { readJsonOption } from "../state-option.js";

/** Options of `run`. */
export interface RunCommandOptions {
  readonly state?: string;
  readonly runId?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

/** A pipe whose `run()` stores runs itself (`run(state, { store, runId, labels })`, with `resume()`). */
interface DurablePipe {
  run(
    state: unknown,
    options: { store: Store; runId: string; labels: Record<string, string>; signal: AbortSignal },
  ): AsyncIterable<PipeEvent>;
  resume(runId: string, options: object): AsyncIterable<PipeEvent>;
}

/**
 * Whether the pipe's justpipe persists runs itself (durable runs: `run(state, { store })` and
 * `resume`). A module that imports an older copy of justpipe than the command's has neither.
 */
function isDurable(pipe: unknown): pipe is DurablePipe {
  return typeof (pipe as { resume?: unknown }).resume === "function";
}

/** Writes a token to stdout: strings as they are, anything else as a JSON line. */
export function writeToken(payload: unknown): string {
  const text = typeof payload === "string" ? payload : `${JSON.stringify(payload)}\n`;
  process.stdout.write(text);
  return text;
}

/** Streams a run: tokens to stdout, progress to stderr; returns the end data. */
export async function streamRun(
  events: AsyncIterable<PipeEvent>,
  runIdOf: () => string,
  options: { json?: boolean; quiet?: boolean },
): Promise<PipelineEndData | undefined> {
  const progress = new Progress(colorsFor(process.stderr), process.stderr.isTTY === true && !options.quiet);
  let end: PipelineEndData | undefined;
  for await (const event of events) {
    if (event.type === "token" && event.stage.indexOf(":") === -1 && !options.json) {
      progress.tokenWritten(writeToken(event.payload));
    } else if (event.type === "finish" && event.stage === "system") {
      end = event.payload;
    } else {
      progress.event(event);
    }
  }
  if (!options.quiet || end?.status !== "success") progress.finish(runIdOf(), end);
  return end;
}

/** Runs the module's pipe with the given state; sets the exit status from how it ended. */
export async function runModule(
  context: CommandContext,
  moduleText: string,
  options: RunCommandOptions,
): Promise<void> {
  const reference = parseModuleReference(moduleText);
  const state = readJsonOption("--state", options.state) ?? {};
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new UsageError("--state must be a JSON object (the pipe's initial state)");
  }
  if (options.runId !== undefined && !/^[\w.-]{1,128}$/.test(options.runId)) {
    throw new UsageError(
      `--run-id may hold letters, digits, "_", "-" and "." (at most 128), got "${options.runId}"`,
    );
  }
  const pipe = await loadPipe(reference);
  const runId = options.runId ?? generateRunId();
  if (context.location.kind === "sqlite") mkdirSync(dirname(context.location.location), { recursive: true });
  const end = await withStore(
    context,
    async (store) => {
      const controller = new AbortController();
      const cancel = () => controller.abort(new Error("interrupted (Ctrl-C)"));
      process.once("SIGINT", cancel);
      try {
        const labels = { module: reference.absolute };
        if (!isDurable(pipe)) {
          throw new Error(
            `${reference.absolute}: its Pipe comes from a justpipe without durable runs (no pipe.resume); ` +
              "install the same justpipe version as this command in that project",
          );
        }
        const events = pipe.run(state, { store, runId, labels, signal: controller.signal });
        return await streamRun(events, () => runId, options);
      } finally {
        process.off("SIGINT", cancel);
      }
    },
    { create: true },
  );
  if (options.json) writeJson({ runId, status: end?.status ?? "client_closed", end: end ?? null });
  process.exitCode = end?.status === "success" ? 0 : 1;
}
