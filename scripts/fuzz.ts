/**
 * The engine fuzzer's long mode: `npm run fuzz -- --minutes 10 [--seed 42]`.
 *
 * Runs random scenarios (test/fuzz/scenario.ts: DAGs, maps, switches, sub-pipelines and jumps with
 * injected throws, hangs, retries, Skip/Retry/Raise, Stop, Suspend, random queueSize, timeouts,
 * cancellations and early breaks) until the time is up, checks each run's promises
 * (test/fuzz/check.ts), and reports the runs and the violations by kind, with a replayable example
 * of each. Exits 1 when any promise broke. The CI variant is test/property/engine-fuzz.property.test.ts.
 */
import fc from "fast-check";
import { runScenario, type Violation } from "../test/fuzz/check.js";
import { type Scenario, scenarioArbitrary } from "../test/fuzz/scenario.js";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} takes a number (got ${process.argv[index + 1]})`);
    process.exit(2);
  }
  return value;
}

const replay = process.argv.indexOf("--replay");
if (replay >= 0) {
  // `--replay '<scenario JSON>'`: run one scenario and print its events and violations.
  const outcome = await runScenario(JSON.parse(process.argv[replay + 1]!) as Scenario);
  for (const e of outcome.trace ?? []) {
    const payload = e.payload as { reason?: unknown; message?: unknown } | undefined;
    const detail = payload?.reason ?? payload?.message ?? "";
    console.log(
      `${e.timestamp}\t${e.type}\t${e.stage}\t${e.invocationId ?? ""}\towner=${e.ownerInvocationId ?? ""}\t${String(detail).slice(0, 70)}`,
    );
  }
  console.log(outcome.violations);
  process.exit(outcome.violations.length === 0 ? 0 : 1);
}

const minutes = option("minutes", 1);
const seed = option("seed", Date.now() % 2 ** 31);
const batch = 200;
const deadline = Date.now() + minutes * 60_000;

const counts = new Map<string, number>();
const examples = new Map<string, { violation: Violation; scenario: Scenario; run: number }>();
const statuses = new Map<string, number>();
let runs = 0;
let failedRuns = 0;

console.log(`justpipe engine fuzz: seed ${seed}, ${minutes} min`);
for (let round = 0; Date.now() < deadline; round++) {
  const scenarios = fc.sample(scenarioArbitrary, { seed: seed + round, numRuns: batch });
  for (const scenario of scenarios) {
    if (Date.now() >= deadline) break;
    const outcome = await runScenario(scenario);
    runs++;
    statuses.set(outcome.status ?? "(none)", (statuses.get(outcome.status ?? "(none)") ?? 0) + 1);
    if (outcome.violations.length > 0) failedRuns++;
    for (const violation of outcome.violations) {
      counts.set(violation.kind, (counts.get(violation.kind) ?? 0) + 1);
      if (!examples.has(violation.kind)) examples.set(violation.kind, { violation, scenario, run: runs });
    }
  }
  if (round % 10 === 9) console.log(`  ${runs} runs, ${failedRuns} with violations`);
}

console.log(`\nruns: ${runs}   runs with violations: ${failedRuns}   seed: ${seed}`);
console.log(`statuses: ${[...statuses].map(([s, n]) => `${s} ${n}`).join(", ")}`);
if (counts.size === 0) console.log("violations: none");
for (const [kind, count] of [...counts].sort((a, b) => b[1] - a[1])) {
  const example = examples.get(kind)!;
  console.log(`\n${kind}: ${count}\n  e.g. run ${example.run}: ${example.violation.detail}`);
  console.log(`  scenario: ${JSON.stringify(example.scenario)}`);
}
process.exit(counts.size === 0 ? 0 : 1);
