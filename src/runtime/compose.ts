import { DefinitionError } from "../errors/errors.js";
import type { Middleware, StepContext, WrappedHandler } from "../model/options.js";
import type { StepDefinition } from "../model/step-definition.js";

/**
 * Wraps a step's handler in the middleware chain. The first middleware is the outermost: it runs
 * first on the way in (as in Koa and Hono).
 */
export function composeMiddleware(
  middleware: readonly Middleware[],
  definition: StepDefinition,
  pipeName: string,
): WrappedHandler {
  let handler = definition.handler as WrappedHandler;
  if (middleware.length === 0) return handler;
  const context: StepContext = Object.freeze({
    name: definition.name,
    kind: definition.kind,
    pipeName,
    retries: definition.retries,
    timeout: definition.timeout,
  });
  for (let i = middleware.length - 1; i >= 0; i--) {
    const wrapped = middleware[i]!(handler, context);
    if (typeof wrapped !== "function") {
      throw new DefinitionError(
        `Middleware #${i + 1} (${middleware[i]!.name || "anonymous"}) returned ${typeof wrapped} for step '${definition.name}'. A middleware must return the wrapped handler: (next, step) => (args) => next(args).`,
        definition.name,
      );
    }
    handler = wrapped;
  }
  return handler;
}
