import type { Pipe } from "../definition/pipe.js";
import type { RunOptions } from "../definition/types.js";
import { messageOf } from "../events/failure.js";
import type { PipeEvent } from "../events/types.js";
import { PipeRun } from "./pipe-run.js";
import type { RunEvent } from "./run-event.js";

/**
 * The stream behind `pipe.run()`. Validation and the freeze happen on the first `next()`.
 * Leaving the loop early closes the run: in-flight steps are aborted, shutdown hooks run before
 * `return()` settles, and nothing more is delivered.
 */
export async function* runPipe(
  pipe: Pipe<any, any>,
  state: unknown,
  options: RunOptions<unknown>,
): AsyncGenerator<PipeEvent, void, undefined> {
  const compiled = pipe._compile(options.start);
  const run = new PipeRun(compiled, state, options);
  const done = run.execute();
  const queue = run.queue;
  const observers = compiled.observers;
  const debug = compiled.debug;
  let finished = false;
  try {
    for (;;) {
      const event = queue.shift();
      if (event !== undefined) {
        if (observers.length > 0) notifyObservers(run, event);
        if (debug) logEvent(compiled.name, event);
        yield event as PipeEvent;
        continue;
      }
      if (queue.closed) break;
      await queue.waitForEvent();
    }
    finished = true;
    await done;
  } finally {
    if (!finished) {
      run.closeByClient();
      await done;
    }
  }
}

function notifyObservers(run: PipeRun, event: RunEvent): void {
  const info = { pipeName: run.compiled.name, runId: run.runId, state: run.state, ctx: run.ctx };
  for (const observer of run.compiled.observers) {
    if (typeof observer.onEvent !== "function") continue;
    try {
      const result = observer.onEvent(event as PipeEvent, info) as unknown;
      if (result instanceof Promise) result.then(undefined, (error) => warnObserver(observer, error));
    } catch (error) {
      warnObserver(observer, error);
    }
  }
}

const warned = new WeakSet<object>();
function warnObserver(observer: object, error: unknown): void {
  if (warned.has(observer)) return;
  warned.add(observer);
  process.emitWarning(
    `Observer onEvent threw: ${messageOf(error)}. Further errors of this observer are not reported.`,
    {
      type: "JustpipeObserverWarning",
    },
  );
}

function logEvent(pipeName: string, event: RunEvent): void {
  const payload =
    event.type === "token"
      ? JSON.stringify(event.payload)?.slice(0, 60)
      : event.type === "step_error"
        ? messageOf((event.payload as { message: string }).message)
        : "";
  process.stderr.write(
    `[justpipe ${pipeName}] #${event.seq} ${event.type} ${event.stage}${payload ? ` ${payload}` : ""}\n`,
  );
}
