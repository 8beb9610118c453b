import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScenario } from "../fuzz/check.js";
import { scenarioArbitrary } from "../fuzz/scenario.js";

/**
 * The engine fuzzer in CI: seeded, a bounded number of random scenarios (DAGs, maps, switches,
 * sub-pipelines and jumps with injected throws, hangs, retries, Skip/Retry/Raise, Stop, Suspend,
 * random queueSize, run timeouts, cancellations and early breaks), each checked against the
 * engine's promises (test/fuzz/check.ts). The long mode is `npm run fuzz -- --minutes N`.
 * A failure prints the shrunk scenario; replay it with `npx tsx scripts/fuzz.ts --replay '<json>'`.
 */

const RUNS = 4_000;

describe("engine fuzz", () => {
  it(`keeps the engine's promises over ${RUNS} random scenarios`, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        const { violations } = await runScenario(scenario);
        expect(violations).toEqual([]);
      }),
      { seed: 13, numRuns: RUNS },
    );
    // About 10 s of CPU time (9.1 s measured with the executor and store scenarios); the timeout
    // leaves room for a loaded machine (115 s wall at load 24 on 2 cores).
  }, 300_000);
});
