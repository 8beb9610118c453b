// What the event-stream design itself costs, apart from justpipe: W1, W2 and W4 of the suite (W1
// and W2: 300 warm-up runs, then 2,000 timed runs; W4: a 1,000-token warm-up run, then 100,000
// tokens; each in a fresh process) for three programs:
//   plain    - the suite's baseline: `await step(state)` in a loop, `Promise.all` for the branches,
//              a `for await` over the token generator;
//   events   - the same work, but run by an async generator that yields an event object (type,
//              stage, sequence number, timestamp) before and after each step and for each token,
//              as a run stream must;
//   justpipe - the suite's justpipe workload (from dist/).
// "events" is the floor for any library that streams events per step; the gap from it to justpipe
// is what justpipe's own bookkeeping costs. Needs a build: `npm run build && node bench/floor.mjs`;
// `STEADY=1 node bench/floor.mjs` times W1 and W2 after V8 has optimized everything.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const STEPS = 10;
const BRANCHES = 8;
// STEADY=1: 10,000 warm-up runs and 20,000 timed ones, past V8's tier-up (W1 and W2 only).
const STEADY = process.env.STEADY === "1";
const WARMUP = STEADY ? 10_000 : 300;
// RUNS=n overrides the timed runs (to take instruction counts at two lengths, see bench/README.md).
const RUNS = Number(process.env.RUNS ?? (STEADY ? 20_000 : 2000));
// TOKENS=n changes W4's stream length (instruction counts per token: two lengths, see bench/README.md).
const TOKENS = Number(process.env.TOKENS ?? 100_000);
const REPS = Number(process.env.REPS ?? 5);

function plainW1() {
  const chain = Array.from({ length: STEPS }, () => async (state) => {
    state.count++;
  });
  return async () => {
    const state = { count: 0 };
    for (const step of chain) await step(state);
  };
}

function plainW2() {
  const noop = async (state) => {
    state.count++;
  };
  const branches = Array.from({ length: BRANCHES }, () => noop);
  return async () => {
    const state = { count: 0 };
    await noop(state);
    await Promise.all(branches.map((branch) => branch(state)));
    await noop(state);
  };
}

const ORIGIN = performance.timeOrigin;

function event(type, stage, seq) {
  return { type, stage, seq, timestamp: ORIGIN + performance.now() };
}

function eventsW1() {
  const chain = Array.from({ length: STEPS }, (_, i) => ({
    name: `s${i}`,
    run: async (state) => {
      state.count++;
    },
  }));
  async function* run(state) {
    let seq = 0;
    yield event("start", "system", ++seq);
    for (const step of chain) {
      yield event("step_start", step.name, ++seq);
      await step.run(state);
      yield event("step_end", step.name, ++seq);
    }
    yield event("finish", "system", ++seq);
  }
  return async () => {
    for await (const _event of run({ count: 0 })) {
      // drain
    }
  };
}

function eventsW2() {
  const noop = async (state) => {
    state.count++;
  };
  const names = Array.from({ length: BRANCHES }, (_, i) => `b${i}`);
  async function* run(state) {
    let seq = 0;
    yield event("start", "system", ++seq);
    yield event("step_start", "start", ++seq);
    await noop(state);
    yield event("step_end", "start", ++seq);
    const ends = [];
    for (const name of names) yield event("step_start", name, ++seq);
    await Promise.all(
      names.map((name) =>
        noop(state).then(() => {
          ends.push(event("step_end", name, 0));
        }),
      ),
    );
    for (const end of ends) {
      end.seq = ++seq;
      yield end;
    }
    yield event("step_start", "join", ++seq);
    await noop(state);
    yield event("step_end", "join", ++seq);
    yield event("finish", "system", ++seq);
  }
  return async () => {
    for await (const _event of run({ count: 0 })) {
      // drain
    }
  };
}

function plainW4() {
  async function* tokens(n) {
    for (let i = 0; i < n; i++) yield i;
  }
  return async (n, first) => {
    let count = 0;
    for await (const _token of tokens(n)) if (count++ === 0) first?.();
    return count;
  };
}

function eventsW4() {
  async function* tokens(n) {
    for (let i = 0; i < n; i++) yield i;
  }
  async function* run(n) {
    let seq = 0;
    yield event("start", "system", ++seq);
    yield event("step_start", "gen", ++seq);
    for await (const token of tokens(n)) {
      const e = event("token", "gen", ++seq);
      e.payload = token;
      yield e;
    }
    yield event("step_end", "gen", ++seq);
    yield event("finish", "system", ++seq);
  }
  return async (n, first) => {
    let count = 0;
    for await (const e of run(n)) if (e.type === "token" && count++ === 0) first?.();
    return count;
  };
}

async function justpipe(workload) {
  // JUSTPIPE=path/to/index.js compares another build (an absolute path or a file URL).
  const { Pipe } = await import(process.env.JUSTPIPE ?? "../dist/index.js");
  const pipe = new Pipe({ name: workload });
  const noop = async ({ state }) => {
    state.count++;
  };
  if (workload === "W4") {
    pipe.step("gen", async function* ({ state }) {
      for (let i = 0; i < state.tokens; i++) yield i;
    });
    return async (n, first) => {
      let count = 0;
      let status;
      for await (const e of pipe.run({ tokens: n })) {
        if (e.type === "token" && count++ === 0) first?.();
        else if (e.type === "finish") status = e.payload.status;
      }
      if (status !== "success") throw new Error(`justpipe W4: finished ${status}`);
      return count;
    };
  }
  if (workload === "W1") {
    for (let i = 0; i < STEPS; i++) pipe.step(`s${i}`, noop, i + 1 < STEPS ? { to: `s${i + 1}` } : {});
  } else {
    const names = Array.from({ length: BRANCHES }, (_, i) => `b${i}`);
    pipe.step("start", noop, { to: names });
    for (const name of names) pipe.step(name, noop, { to: "join" });
    pipe.step("join", noop);
  }
  const expected = workload === "W1" ? STEPS : BRANCHES + 2;
  return async () => {
    const state = { count: 0 };
    let status;
    for await (const event of pipe.run(state)) if (event.type === "finish") status = event.payload.status;
    // As the suite does: a run that did not do all its work fails instead of looking fast.
    if (status !== "success" || state.count !== expected) {
      throw new Error(`justpipe ${workload}: finished ${status} after ${state.count} of ${expected} steps`);
    }
  };
}

async function child(program, workload) {
  const run =
    program === "justpipe"
      ? await justpipe(workload)
      : {
          plain: { W1: plainW1, W2: plainW2, W4: plainW4 },
          events: { W1: eventsW1, W2: eventsW2, W4: eventsW4 },
        }[program][workload]();
  if (workload === "W4") {
    await run(1000);
    let firstAt = 0;
    const started = performance.now();
    const count = await run(TOKENS, () => {
      firstAt = performance.now();
    });
    if (count !== TOKENS) throw new Error(`${program}: ${count} tokens`);
    // tokens/s, then the warm time to the first token in ms (as the suite's W4 reports them)
    console.log(TOKENS / ((performance.now() - started) / 1000), firstAt - started);
    return;
  }
  for (let i = 0; i < WARMUP; i++) await run();
  const started = performance.now();
  for (let i = 0; i < RUNS; i++) await run();
  const us = ((performance.now() - started) * 1000) / RUNS;
  console.log(workload === "W1" ? us / STEPS : us);
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4]);
else {
  const self = fileURLToPath(import.meta.url);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const workload of STEADY ? ["W1", "W2"] : ["W1", "W2", "W4"]) {
    const results = {};
    for (let rep = 0; rep < REPS; rep++) {
      for (const program of ["plain", "events", "justpipe"]) {
        const out = execFileSync(process.execPath, [self, "--child", program, workload], {
          encoding: "utf8",
        });
        const [value, ttft] = out.trim().split(" ").map(Number);
        (results[program] ??= []).push(value);
        if (ttft !== undefined) (results[`${program} ttft`] ??= []).push(ttft);
      }
    }
    const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
    if (workload === "W4") {
      const rate = (x) => `${(x / 1e6).toFixed(2)}M/s`;
      const ttft = (program) => `first token ${m[`${program} ttft`].toFixed(3)} ms`;
      console.log(
        `W4 (tokens/s, median of ${REPS}): plain ${rate(m.plain)}, ${ttft("plain")}; events ${rate(m.events)} (${(m.plain / m.events).toFixed(1)}× slower than plain), ${ttft("events")}; justpipe ${rate(m.justpipe)} (${(m.plain / m.justpipe).toFixed(1)}× slower than plain, ${(m.events / m.justpipe).toFixed(1)}× slower than events), ${ttft("justpipe")}`,
      );
      continue;
    }
    const unit = `${workload === "W1" ? "µs/step" : "µs/run"}${STEADY ? ", steady state" : ""}`;
    console.log(
      `${workload} (${unit}, median of ${REPS}): plain ${m.plain.toFixed(2)}, events ${m.events.toFixed(2)} (${(m.events / m.plain).toFixed(1)}× plain), justpipe ${m.justpipe.toFixed(2)} (${(m.justpipe / m.plain).toFixed(1)}× plain, ${(m.justpipe / m.events).toFixed(1)}× events)`,
    );
  }
}
