/**
 * Middleware: `(next, step) => (args) => ...` wraps every step's handler. The first added is the
 * outermost (as in Koa and Hono). A middleware can observe (tracing), short-circuit (a cache
 * that never calls `next`), and transform a streaming step's tokens (redaction).
 *
 *   npx tsx examples/09-middleware/index.ts
 */
import { EventType, type Middleware, Pipe, type StepArgs } from "justpipe";

const isStream = (value: unknown): value is AsyncGenerator<unknown, unknown> =>
  typeof (value as AsyncGenerator | null)?.[Symbol.asyncIterator] === "function";

// 1. Tracing: logs the way in and out. For a streaming step, `next(args)` returns the generator
//    at once, so "out" must wait until the stream is drained: wrap it in a generator.
const trace: string[] = [];
const tracing =
  (label: string): Middleware =>
  (next, step) =>
  (args) => {
    trace.push(`${label} > ${step.name}`);
    const result = next(args);
    if (isStream(result)) {
      return (async function* () {
        try {
          return yield* result;
        } finally {
          trace.push(`${label} < ${step.name} (stream drained)`);
        }
      })();
    }
    return Promise.resolve(result).finally(() => trace.push(`${label} < ${step.name}`));
  };

// 2. A cache that skips the handler when it has seen the same input: it never calls `next`.
const cache = new Map<string, unknown>();
const caching: Middleware = (next, step) => {
  if (step.name !== "lookupPrice") return next; // wrap only the expensive step
  return async (args: StepArgs<Order>) => {
    const key = `${step.name}:${args.state.sku}`;
    if (cache.has(key)) {
      args.state.price = cache.get(key) as number;
      args.state.notes.push("price from cache");
      return;
    }
    const result = await next(args);
    cache.set(key, args.state.price);
    return result;
  };
};

// 3. Rewrites the tokens of streaming steps: hides e-mail addresses.
const redacting: Middleware = (next) => (args) => {
  const result = next(args);
  if (!isStream(result)) return result;
  return (async function* () {
    for await (const token of result) yield String(token).replace(/\S+@\S+/g, "<email>");
  })();
};

interface Order {
  sku: string;
  price?: number;
  notes: string[];
}

const pipe = new Pipe<Order>({ name: "orders", middleware: [tracing("outer"), tracing("inner")] });
pipe.addMiddleware(caching); // added later: inside the two tracing layers
pipe.addMiddleware(redacting);

pipe.step(
  "lookupPrice",
  async ({ state }) => {
    state.notes.push("price from the slow service");
    state.price = 19.99;
  },
  { to: "confirm" },
);
pipe.step("confirm", async function* ({ state }) {
  yield `Order ${state.sku} at ${state.price}: confirmation sent to ann@example.com`;
});

for (const run of [1, 2]) {
  trace.length = 0;
  const order: Order = { sku: "BOOK-42", notes: [] };
  console.log(`── run ${run} ──`);
  for await (const event of pipe.run(order)) {
    if (event.type === EventType.TOKEN) console.log(`token: ${event.payload}`);
  }
  console.log(`notes: ${order.notes.join("; ")}`);
  if (run === 1) console.log(`trace:\n  ${trace.join("\n  ")}`);
}
