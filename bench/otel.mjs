// What `instrument()` from justpipe/otel costs on W1 (a chain of 10 trivial async steps; 300
// warm-up runs, then 2,000 timed runs), each variant in fresh processes, interleaved:
//   base     - W1 as in the suite, no instrumentation;
//   noop     - instrument(pipe) with no OpenTelemetry SDK registered (the no-op API): the target is
//              within 1.2x of base;
//   sdk      - instrument(pipe) with the trace SDK (BasicTracerProvider, SimpleSpanProcessor into an
//              InMemorySpanExporter emptied after every run) and the AsyncLocalStorage context
//              manager: what a traced step costs;
//   metrics  - as sdk, plus an SDK MeterProvider (a reader that is never collected);
// and the core mechanisms instrument() is built from, each alone and doing nothing (what any pipe
// with them pays, instrumented or not):
//   hook       - pipe.addEventHook((event) => event);
//   observer   - pipe.addObserver({ onPipelineStart() {}, onEvent() {}, onPipelineEnd() {} });
//   middleware - pipe.addMiddleware((next) => next).
// Needs a build: `npm run build && node bench/otel.mjs` (REPS=n processes per variant, default 5;
// VARIANTS=base,noop to measure only some; JUSTPIPE=/path/to/dist/index.js measures another build,
// for base, hook, observer and middleware; RUNS=n changes the timed runs, for instruction counts).
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const STEPS = 10;
const WARMUP = 300;
const RUNS = Number(process.env.RUNS ?? 2000);
const REPS = Number(process.env.REPS ?? 5);
// VARIANTS=base,noop measures only those (base first: the ratios are to it).
const VARIANTS = (process.env.VARIANTS ?? "base,noop,sdk,metrics").split(",");

async function child(variant) {
  const entry =
    process.env.JUSTPIPE === undefined
      ? new URL("../dist/index.js", import.meta.url)
      : pathToFileURL(process.env.JUSTPIPE);
  const { Pipe } = await import(entry.href);
  const pipe = new Pipe({ name: "w1" });
  for (let i = 0; i < STEPS; i++) {
    pipe.step(
      `s${i}`,
      async ({ state }) => {
        state.count++;
      },
      i + 1 < STEPS ? { to: `s${i + 1}` } : {},
    );
  }
  let afterRun = () => {};
  if (variant === "hook") pipe.addEventHook((event) => event);
  else if (variant === "observer")
    pipe.addObserver({ onPipelineStart() {}, onEvent() {}, onPipelineEnd() {} });
  else if (variant === "middleware") pipe.addMiddleware((next) => next);
  else if (variant !== "base") {
    const { instrument } = await import(new URL("otel/index.js", entry).href);
    if (variant === "noop") instrument(pipe);
    else {
      const { context } = await import("@opentelemetry/api");
      const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
      const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
        "@opentelemetry/sdk-trace-base"
      );
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      const exporter = new InMemorySpanExporter();
      const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      let meterProvider;
      if (variant === "metrics") {
        const { MeterProvider, MetricReader } = await import("@opentelemetry/sdk-metrics");
        class IdleReader extends MetricReader {
          async onShutdown() {}
          async onForceFlush() {}
        }
        meterProvider = new MeterProvider({ readers: [new IdleReader()] });
      }
      instrument(pipe, { tracerProvider, meterProvider });
      afterRun = () => {
        if (exporter.getFinishedSpans().length !== STEPS + 1) throw new Error("spans missing");
        exporter.reset();
      };
    }
  }
  const once = async () => {
    const state = { count: 0 };
    let status;
    for await (const event of pipe.run(state)) if (event.type === "finish") status = event.payload.status;
    if (status !== "success" || state.count !== STEPS) throw new Error(`run failed: ${status}`);
    afterRun();
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const start = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) await once();
  const ns = Number(process.hrtime.bigint() - start);
  console.log(JSON.stringify({ variant, usPerStep: ns / 1000 / (RUNS * STEPS) }));
}

if (process.argv[2] === "--child") {
  await child(process.argv[3]);
} else {
  const self = fileURLToPath(import.meta.url);
  const samples = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const variant of VARIANTS) {
      const out = execFileSync(process.execPath, [self, "--child", variant], { encoding: "utf8" });
      samples[variant].push(JSON.parse(out.trim().split("\n").at(-1)).usPerStep);
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const base = median(samples.base);
  console.log(`W1 (${STEPS}-step chain, ${RUNS} timed runs), median of ${REPS} fresh processes each:`);
  for (const variant of VARIANTS) {
    const value = median(samples[variant]);
    const extra =
      variant === "base"
        ? ""
        : `  ${(value / base).toFixed(2)}x base, +${(value - base).toFixed(2)} µs per step`;
    console.log(`  ${variant.padEnd(8)} ${value.toFixed(2).padStart(7)} µs per step${extra}`);
  }
}
