// Steady-state cost of justpipe, after a long warm-up (unlike the suite's W1, which times runs
// 301-2,300 of a fresh process and so includes V8's tier-up). Splits a run's cost into a fixed part
// and a per-step part by timing chains of 1, 10 and 50 steps, then shows the time to the first
// token over successive runs. Needs a build: `npm run build && node bench/steady-state.mjs`.
import { Pipe } from "../dist/index.js";

function chain(steps) {
  const pipe = new Pipe({ name: `chain-${steps}` });
  for (let i = 0; i < steps; i++)
    pipe.step(`s${i}`, async () => {}, i < steps - 1 ? { to: `s${i + 1}` } : {});
  return async () => {
    for await (const _event of pipe.run({})) {
      // drain
    }
  };
}

async function timePerRun(run, runs) {
  const started = performance.now();
  for (let i = 0; i < runs; i++) await run();
  return ((performance.now() - started) * 1000) / runs;
}

// Warm every chain up first, then keep the best of three rounds for each.
const chains = [
  [1, chain(1), 4000],
  [10, chain(10), 4000],
  [50, chain(50), 1000],
];
for (const [, run] of chains) for (let i = 0; i < 1000; i++) await run();
const best = {};
for (let round = 0; round < 3; round++) {
  for (const [steps, run, runs] of chains) {
    best[steps] = Math.min(best[steps] ?? Number.POSITIVE_INFINITY, await timePerRun(run, runs));
  }
}
const perStep = (best[50] - best[10]) / 40;
console.log(
  `µs per run: 1 step ${best[1].toFixed(1)}, 10 steps ${best[10].toFixed(1)}, 50 steps ${best[50].toFixed(1)}`,
);
console.log(
  `marginal µs per step ${perStep.toFixed(2)}; fixed µs per run ≈ ${(best[1] - perStep).toFixed(1)}`,
);

const streaming = new Pipe({ name: "ttft" });
streaming.step("gen", async function* ({ state }) {
  for (let i = 0; i < state.tokens; i++) yield i;
});
const firstTokens = [];
for (let run = 0; run < 12; run++) {
  const started = process.hrtime.bigint();
  let first = 0n;
  for await (const event of streaming.run({ tokens: run === 0 ? 1000 : 20 })) {
    if (event.type === "token" && first === 0n) first = process.hrtime.bigint();
  }
  firstTokens.push((Number(first - started) / 1000).toFixed(0));
}
console.log(`µs to the first token, run by run: ${firstTokens.join(" ")}`);
