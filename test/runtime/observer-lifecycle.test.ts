// Observers are called in order, each async one awaited before the next, whether the others are
// synchronous (called without a detour through the microtask queue) or not.
import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { collect } from "../helpers.js";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

describe("observer lifecycle", () => {
  it("awaits an async onPipelineStart before the next observer and the startup hooks", async () => {
    const seen: string[] = [];
    const pipe = new Pipe({ name: "starts" });
    pipe.step("only", () => void seen.push("step"));
    pipe.onStartup(() => void seen.push("startup hook"));
    pipe.addObserver({ onPipelineStart: () => void seen.push("sync A") });
    pipe.addObserver({
      onPipelineStart: async () => {
        seen.push("async B begins");
        await tick();
        seen.push("async B ends");
      },
    });
    pipe.addObserver({ onPipelineStart: () => void seen.push("sync C") });
    await collect(pipe.run({}));
    expect(seen).toEqual(["sync A", "async B begins", "async B ends", "sync C", "startup hook", "step"]);
  });

  it("calls the end callbacks in order, awaiting async ones, and has called them all when the loop ends", async () => {
    const seen: string[] = [];
    const pipe = new Pipe({ name: "ends" });
    pipe.step("only", () => {});
    pipe.addObserver({ onPipelineEnd: (end) => void seen.push(`sync A ${end.status}`) });
    pipe.addObserver({
      onPipelineEnd: async () => {
        await tick();
        seen.push("async B");
      },
    });
    pipe.addObserver({ onPipelineEnd: () => void seen.push("sync C") });
    await collect(pipe.run({}));
    expect(seen).toEqual(["sync A success", "async B", "sync C"]);

    seen.length = 0;
    const syncOnly = new Pipe({ name: "sync-ends" });
    syncOnly.step("only", () => {});
    syncOnly.addObserver({ onPipelineEnd: () => void seen.push("sync") });
    await collect(syncOnly.run({}));
    expect(seen).toEqual(["sync"]);
  });

  it("reports a throwing or rejecting end callback and still calls the next observer", async () => {
    const warnings: string[] = [];
    const listener = (warning: Error) => warnings.push(warning.message);
    process.on("warning", listener);
    try {
      const seen: string[] = [];
      const pipe = new Pipe({ name: "bad-ends" });
      pipe.step("only", () => {
        throw new Error("step failed");
      });
      class Throwing {
        onPipelineError() {
          throw new Error("sync boom");
        }
      }
      class Rejecting {
        async onPipelineError() {
          throw new Error("async boom");
        }
      }
      pipe.addObserver(new Throwing());
      pipe.addObserver(new Rejecting());
      pipe.addObserver({ onPipelineError: (error) => void seen.push((error as Error).message) });
      await collect(pipe.run({}));
      expect(seen).toEqual(["step failed"]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([
        expect.stringContaining("Observer Throwing.onPipelineError threw: sync boom"),
        expect.stringContaining("Observer Rejecting.onPipelineError threw: async boom"),
      ]);
    } finally {
      process.off("warning", listener);
    }
  });

  it("waits for an observer's pending async onEvent calls before its end callback", async () => {
    const seen: string[] = [];
    const pipe = new Pipe({ name: "lagging" });
    pipe.step("only", () => {});
    pipe.addObserver({
      onEvent: async (event) => {
        await tick();
        seen.push(event.type);
      },
      onPipelineEnd: () => void seen.push("end"),
    });
    await collect(pipe.run({}));
    expect(seen).toEqual(["start", "step_start", "step_end", "finish", "end"]);
  });
});
