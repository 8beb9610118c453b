/**
 * Retries, timeouts and error handlers: failures are events, not exceptions. An unhandled error
 * fails fast (FINISH "failed" with the failing step); `retries` re-runs a step, `timeout` aborts
 * it, and `onError` handlers (the step's own, then the pipe's) decide how to recover.
 *
 *   npx tsx examples/08-retries-timeouts-errors/index.ts
 */
import { EventType, Pipe, type PipeEvent, Raise, Retry, StepTimeoutError } from "justpipe";

class HttpError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** Prints the events that tell the failure story, then the FINISH summary. */
async function show<S>(events: AsyncIterable<PipeEvent<S>>): Promise<void> {
  for await (const event of events) {
    if (event.type === EventType.STEP_START && event.attempt > 1) {
      console.log(`  ▶ ${event.stage} attempt ${event.attempt}`);
    } else if (event.type === EventType.STEP_ERROR) {
      const retrying = event.payload.retrying ? " (retrying)" : "";
      console.log(`  ✗ ${event.stage}: ${event.payload.message}${retrying}`);
    } else if (event.type === EventType.FINISH) {
      const { status, failureKind, failureSource, failedStep } = event.payload;
      const failure =
        status === "failed" ? ` kind=${failureKind} source=${failureSource} step=${failedStep}` : "";
      console.log(`  ■ ${status}${failure}`);
    }
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

// ── 1. Automatic retries with backoff ───────────────────────────────────────────────────────
console.log("1. retries: a flaky API succeeds on the third attempt");
{
  let calls = 0;
  const pipe = new Pipe<{ data?: string }>({ name: "retries" });
  pipe.step(
    "fetchData",
    ({ state, attempt }) => {
      calls++;
      if (attempt < 3) throw new HttpError(503);
      state.data = "payload";
    },
    // Up to 3 more attempts, waiting 5 ms, then 10 ms (no jitter, so the delays are exact).
    { retries: { attempts: 3, minDelay: 5, factor: 2, jitter: false } },
  );
  await show(pipe.run({}));
  console.log(`  calls: ${calls}`);
}

// ── 2. retryOn: retry only what is worth retrying ──────────────────────────────────────────
console.log("\n2. retryOn: a 404 is not retried");
{
  const pipe = new Pipe({ name: "retry-on" });
  pipe.step(
    "fetchUser",
    () => {
      throw new HttpError(404);
    },
    { retries: { attempts: 3, retryOn: (error) => error instanceof HttpError && error.status >= 500 } },
  );
  await show(pipe.run(undefined));
}

// ── 3. A timeout, recovered by a fallback ──────────────────────────────────────────────────
console.log("\n3. timeout: a slow call is aborted after 20 ms and the step falls back to the cache");
{
  const pipe = new Pipe<{ price?: number; source?: string }>({ name: "timeout" });
  pipe.step(
    "fetchPrice",
    async ({ state, signal }) => {
      await sleep(5_000, signal); // aborted by the timeout: `signal` fires
      state.price = 42;
      state.source = "live";
    },
    {
      timeout: 20,
      to: "quote",
      // An error handler that returns nothing recovers: the step counts as done, `to` runs.
      onError: ({ error, state }) => {
        if (!(error instanceof StepTimeoutError)) return new Raise();
        state.price = 40;
        state.source = "cache";
      },
    },
  );
  pipe.step("quote", async function* ({ state }) {
    yield `price ${state.price} from ${state.source}`;
  });
  for await (const event of pipe.run({})) {
    if (event.type === EventType.TOKEN) console.log(`  ${event.payload}`);
    if (event.type === EventType.FINISH) console.log(`  ■ ${event.payload.status}`);
  }
}

// ── 4. A handler that asks for a retry ─────────────────────────────────────────────────────
console.log("\n4. onError returns Retry once for a rate limit");
{
  const pipe = new Pipe({ name: "rate-limit" });
  pipe.step(
    "callModel",
    ({ attempt }) => {
      if (attempt === 1) throw new HttpError(429);
    },
    {
      onError: ({ error, attempt }) =>
        error instanceof HttpError && error.status === 429 && attempt < 3 ? new Retry() : new Raise(),
    },
  );
  await show(pipe.run(undefined));
}

// ── 5. Unhandled: fail fast, the global handler sees it ────────────────────────────────────
console.log("\n5. fail fast: the error stops the run; the sibling is aborted; successors never run");
{
  const pipe = new Pipe<{ log: string[] }>({ name: "fail-fast" });
  pipe.step("save", ({ state }) => void state.log.push("save ran"));
  pipe.step(
    "parse",
    () => {
      throw new SyntaxError("Unexpected token < in JSON");
    },
    { to: "save" },
  );
  pipe.step(
    "slowSibling",
    async ({ state, signal }) => {
      try {
        await sleep(5_000, signal);
      } finally {
        state.log.push(`slowSibling aborted: ${signal.aborted}`);
      }
    },
    { to: "save" },
  );
  pipe.step("start", () => {}, { to: ["parse", "slowSibling"] });
  // The global handler runs after the step's own (none here). Returning Raise keeps it failed.
  pipe.onError(({ error, stepName, state }) => {
    state.log.push(`global handler saw ${stepName}: ${(error as Error).name}`);
    return new Raise();
  });
  const state = { log: [] as string[] };
  await show(pipe.run(state));
  for (const line of state.log) console.log(`  ${line}`);
}
