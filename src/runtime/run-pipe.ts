import type { Pipe } from "../definition/pipe.js";
import type { RunOptions } from "../definition/types.js";
import type { PipeEvent } from "../events/types.js";
import { logDebug } from "./debug-log.js";
import { PipeRun } from "./pipe-run.js";

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
  const feed = run.observers;
  const debug = compiled.debug;
  let finished = false;
  try {
    for (;;) {
      const event = queue.shift() as PipeEvent | undefined;
      if (event !== undefined) {
        if (feed !== undefined) {
          const wait = feed.deliver(event);
          if (wait !== undefined) await wait;
        }
        if (debug) logDebug(compiled.name, event);
        yield event;
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
    if (feed !== undefined && run.end !== undefined) await feed.end(run.end);
  }
}
