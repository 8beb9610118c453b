/**
 * `justpipe/testing`: a harness for testing pipelines with any test runner (vitest, jest,
 * `node:test`): mock steps, run to completion, assert on the collected events, and control time
 * with a simulated clock. Everything here is also exported from `justpipe`.
 *
 * @example
 * ```ts
 * import { TestPipe, SimulatedClock } from "justpipe/testing";
 *
 * using tester = new TestPipe(pipe);
 * const search = tester.mock("search", async ({ state }) => { state.hits = ["a", "b"]; });
 * const result = await tester.run({ query: "cats", hits: [] });
 * search.assertCalledOnce();
 * console.log(result.status, result.tokens);
 * ```
 *
 * @packageDocumentation
 */
export { MockAssertionError, type MockCall, type MockImplementation, type StepMock } from "./mock.js";
export { SimulatedClock } from "./simulated-clock.js";
export { TestPipe } from "./test-pipe.js";
export type { StepCall, StepErrorRecord, TestResult } from "./test-result.js";
