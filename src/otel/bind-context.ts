import { type Context, context } from "@opentelemetry/api";

function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> & AsyncIterable<unknown> {
  return (
    value !== null &&
    typeof value === "object" &&
    typeof (value as { next?: unknown }).next === "function" &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/**
 * Makes a streaming step's generator run each of its resumptions inside `active`, so spans it
 * starts between two `yield`s are children of its step span (the runtime pulls it from its own
 * context). Other values pass through unchanged.
 */
export function bindContext(result: unknown, active: Context): unknown {
  if (!isAsyncIterator(result)) return result;
  const iterator = result;
  const bound: AsyncIterator<unknown> & AsyncIterable<unknown> = {
    next: (...value: [] | [unknown]) => context.with(active, () => iterator.next(...value)),
    return: (value?: unknown) =>
      context.with(active, () =>
        iterator.return === undefined
          ? Promise.resolve({ done: true as const, value })
          : iterator.return(value as never),
      ),
    throw: (error?: unknown) =>
      context.with(active, () =>
        iterator.throw === undefined ? Promise.reject(error) : iterator.throw(error),
      ),
    [Symbol.asyncIterator]: () => bound,
  };
  return bound;
}
