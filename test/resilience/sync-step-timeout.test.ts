/**
 * Issue 15, defect 5 (the README part): the README says what a `timeout` can and cannot do to a
 * synchronous, CPU-bound step, and links the Python original by its source repository. This
 * holds both to what they say.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EventType, Pipe } from "../../src/index.js";
import { collect } from "../helpers.js";

const readme = readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");

/** Computes for at least `ms` milliseconds without giving the event loop back. */
function compute(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins += 1;
  return spins;
}

describe("a timeout and a synchronous, CPU-bound step", () => {
  it("neither stops nor fails it: the step runs to its end and counts as completed", async () => {
    const pipe = new Pipe<{ spins: number; after: boolean }>({ name: "cpu" });
    pipe.step("crunch", ({ state }) => void (state.spins = compute(120)), { timeout: 20, to: "next" });
    pipe.step("next", ({ state }) => void (state.after = true));
    const state = { spins: 0, after: false };
    const events = await collect(pipe.run(state));
    expect(events.filter((event) => event.type === EventType.STEP_ERROR)).toEqual([]);
    expect(events.at(-1)?.type === EventType.FINISH && events.at(-1)?.payload).toMatchObject({
      status: "success",
    });
    expect(state.spins).toBeGreaterThan(0);
    expect(state.after).toBe(true);
  });

  it("the README says so, and how to split such work", () => {
    expect(readme).toContain("a synchronous, CPU-bound step");
    expect(readme).toContain("neither stops it nor fails it");
    expect(readme).toContain("worker_threads");
  });
});

describe("the README's link to the Python original", () => {
  it("is its source repository, not a package registry page", () => {
    expect(readme).toContain("https://github.com/plar/justpipe");
    expect(readme).not.toMatch(/pypi\.org/);
  });
});
