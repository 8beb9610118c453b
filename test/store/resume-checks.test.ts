import { describe, expect, it } from "vitest";
import { ResumeMismatchError, RunNotResumableError } from "../../src/index.js";
import { assertResumable, assertSameDefinition, changedSteps } from "../../src/store/resume-checks.js";
import { makeCheckpoint, makeRun } from "./fixtures.js";

describe("assertResumable", () => {
  const now = 10_000;
  it("resumes suspended runs and crashed ones (expired lease), refuses the rest saying what to do", () => {
    expect(() => assertResumable(makeRun({ runId: "s", status: "suspended" }), { now })).not.toThrow();
    expect(() =>
      assertResumable(makeRun({ runId: "c", owner: "dead", leaseUntil: 9_000 }), { now }),
    ).not.toThrow();
    expect(() =>
      assertResumable(makeRun({ runId: "l", owner: "alive", leaseUntil: 11_000 }), { now }),
    ).toThrow(/still running in alive/);
    expect(() => assertResumable(makeRun({ runId: "ok", status: "success" }), { now })).toThrow(
      RunNotResumableError,
    );
    for (const status of ["failed", "timeout", "cancelled"] as const) {
      const run = makeRun({ runId: status, status });
      expect(() => assertResumable(run, { now })).toThrow(/retryFailed: true/);
      expect(() => assertResumable(run, { now, retryFailed: true })).not.toThrow();
    }
  });
});

describe("definition changes", () => {
  const stored = {
    nodes: [
      { name: "a", targets: ["b"] },
      { name: "b", targets: [] },
      { name: "gone", targets: [] },
    ],
  };
  const current = {
    hash: "new",
    nodes: [{ name: "a", targets: ["b", "c"] }, { name: "b", targets: [] }, { name: "c" }],
  };
  const run = makeRun({ runId: "r", pipeName: "p" });

  it("lists added, removed and changed steps", () => {
    expect(changedSteps(stored, current)).toEqual(["a", "c", "gone"]);
  });

  it("refuses a changed definition naming the steps, unless allowed and every frontier step exists", () => {
    const checkpoint = makeCheckpoint(run, { pipeHash: "old" });
    const error = (() => {
      try {
        assertSameDefinition(run, checkpoint, stored, current, false);
      } catch (caught) {
        return caught as ResumeMismatchError;
      }
    })();
    expect(error).toBeInstanceOf(ResumeMismatchError);
    expect(error?.steps).toEqual(["a", "c", "gone"]);
    expect(error?.message).toMatch(/allowDefinitionChange/);
    // the fixture checkpoint continues at fetch, join and approve: none exist in `current`
    expect(() => assertSameDefinition(run, checkpoint, stored, current, true)).toThrow(
      /approve, fetch, join/,
    );
    const fine = makeCheckpoint(run, {
      pipeHash: "old",
      frontier: { ready: [], inFlight: [], barriers: [], maps: [], attempts: {} },
    });
    expect(() => assertSameDefinition(run, fine, stored, current, true)).not.toThrow();
    expect(() =>
      assertSameDefinition(run, makeCheckpoint(run, { pipeHash: "new" }), stored, current, false),
    ).not.toThrow();
  });
});
