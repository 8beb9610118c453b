/**
 * Issue 15, defect 6: options were validated for TypeScript users only; `{ retry: 3 }` or
 * `maxConcurency: 8` from JavaScript was silently ignored. An unknown key is now an error that
 * names the call and suggests the option meant.
 */
import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe } from "../../src/index.js";

const loose = (options: Record<string, unknown>) => options as never;

describe("unknown option keys", () => {
  it("a step option is a DefinitionError with 'did you mean'", () => {
    const pipe = new Pipe();
    expect(() => pipe.step("call", () => {}, loose({ retry: 3 }))).toThrow(DefinitionError);
    expect(() => pipe.step("call", () => {}, loose({ retry: 3 }))).toThrow(
      "Step 'call': unknown option `retry`. Did you mean 'retries'? Options of pipe.step: to, retries, timeout, barrierTimeout, barrierType, onError, routes.",
    );
    expect(pipe.steps()).toEqual([]);
  });

  it("a map, switch or sub option likewise, with each kind's own options", () => {
    const pipe = new Pipe();
    expect(() => pipe.map("fan", () => [1], loose({ each: "work", maxConcurency: 8 }))).toThrow(
      /^Step 'fan': unknown option `maxConcurency`\. Did you mean 'maxConcurrency'\? Options of pipe\.map: .*each, maxConcurrency\.$/,
    );
    expect(() => pipe.switch("route", () => "a", loose({ to: { a: "a" }, defualt: "b" }))).toThrow(
      "Step 'route': unknown option `defualt`. Did you mean 'default'?",
    );
    expect(() => pipe.sub("child", () => ({}), loose({ pipeline: new Pipe(), pipline: 1 }))).toThrow(
      "Step 'child': unknown option `pipline`. Did you mean 'pipeline'?",
    );
  });

  it("a Pipe option is a DefinitionError", () => {
    expect(() => new Pipe(loose({ queSize: 10 }))).toThrow(DefinitionError);
    expect(() => new Pipe(loose({ queSize: 10 }))).toThrow(
      "new Pipe(): unknown option `queSize`. Did you mean 'queueSize'?",
    );
  });

  it("a run or invoke option fails the run's first iteration, like its other option errors", async () => {
    const pipe = new Pipe({ name: "runs" });
    pipe.step("a", () => {});
    await expect(pipe.run({}, loose({ timout: 5 })).next()).rejects.toThrow(
      "run(): unknown option `timout`. Did you mean 'timeout'?",
    );
    await expect(pipe.invoke({}, loose({ throwOnFailur: false }))).rejects.toThrow(
      "invoke(): unknown option `throwOnFailur`. Did you mean 'throwOnFailure'?",
    );
  });

  it("says nothing it cannot back: a key far from every option gets no suggestion", () => {
    const pipe = new Pipe();
    expect(() => pipe.step("a", () => {}, loose({ zzz: 1 }))).toThrow(
      /^Step 'a': unknown option `zzz`\. Options of pipe\.step: /,
    );
  });
});
