import type { StepArgs } from "../model/handler-types.js";
import type { Middleware } from "../model/options.js";
import { isAsyncIterator } from "./guards.js";

/**
 * Logs how long each step took (`console.debug`), for sync, async and streaming steps alike.
 *
 * @example
 * ```ts
 * const pipe = new Pipe({ middleware: [simpleLoggingMiddleware] });
 * // [justpipe] hello/greet took 0.42 ms
 * ```
 */
export const simpleLoggingMiddleware: Middleware = (next, step) => {
  const log = (started: number, failed: boolean) =>
    console.debug(
      `[justpipe] ${step.pipeName}/${step.name} ${failed ? "failed after" : "took"} ${(performance.now() - started).toFixed(2)} ms`,
    );
  return (args: StepArgs<any, any, any>) => {
    const started = performance.now();
    let result: unknown;
    try {
      result = next(args);
    } catch (error) {
      log(started, true);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value) => {
          log(started, false);
          return value;
        },
        (error) => {
          log(started, true);
          throw error;
        },
      );
    }
    if (isAsyncIterator(result)) {
      const inner = result;
      return (async function* () {
        let failed = true;
        try {
          const value = yield* inner;
          failed = false;
          return value;
        } finally {
          log(started, failed);
        }
      })();
    }
    log(started, false);
    return result;
  };
};
