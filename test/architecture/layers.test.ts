import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { layerProblems } from "./layer-rules.js";

const SRC = path.resolve(import.meta.dirname, "../../src");

describe("the layers of src/", () => {
  it("import one way: no folder imports a higher layer, no folder cycle, no inline import types", () => {
    expect(layerProblems(SRC)).toEqual([]);
  });
});

describe("the layer checker", () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  /** A throwaway src/ made of the given files. */
  function tree(files: Record<string, string>): string {
    root = mkdtempSync(path.join(tmpdir(), "justpipe-layers-"));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), text);
    }
    return root;
  }

  it("accepts a higher layer importing a lower one", () => {
    const src = tree({
      "runtime/run.ts": 'import { Stop } from "../model/control.js";\n',
      "model/control.ts": "export const Stop = 1;\n",
    });
    expect(layerProblems(src)).toEqual([]);
  });

  it("fails when a lower layer imports a higher one, type imports included", () => {
    const src = tree({
      "graph/plan.ts": 'import type { Pipe } from "../definition/pipe.js";\n',
      "definition/pipe.ts": "export class Pipe {}\n",
    });
    expect(layerProblems(src)).toEqual([
      "graph/plan.ts imports definition/pipe.ts: layer 'graph' may not import 'definition' (definition is above it in the layer order); move the shared code down to the lower layer",
    ]);
  });

  it("fails on a multi-line re-export from a higher layer", () => {
    const src = tree({
      "events/types.ts": 'export {\n  type Clock,\n} from "../runtime/clock.js";\n',
      "runtime/clock.ts": "export type Clock = number;\n",
    });
    expect(layerProblems(src)).toHaveLength(1);
  });

  it("fails when the core imports an extra, or the root entry", () => {
    const src = tree({
      "runtime/run.ts": 'import { x } from "../otel/tracer.js";\nimport { y } from "../index.js";\n',
      "otel/tracer.ts": "export const x = 1;\n",
      "index.ts": "export const y = 1;\n",
    });
    const problems = layerProblems(src);
    expect(problems[0]).toContain("layer 'runtime' may not import 'otel'");
    expect(problems[1]).toContain("imports the root entry");
  });

  it("lets the extras import the core, the root entry and each other, but the cli only from above", () => {
    const src = tree({
      "http/server.ts": 'import { a } from "../index.js";\nimport { b } from "../inspect/timeline.js";\n',
      "inspect/timeline.ts": 'import { c } from "../runtime/run.js";\nexport const b = 1;\n',
      "runtime/run.ts": "export const c = 1;\n",
      "cli/main.ts": 'import { d } from "../dashboard/server.js";\n',
      "dashboard/server.ts": 'import { e } from "../cli/main.js";\nexport const d = 1;\n',
      "index.ts": "export const a = 1;\n",
    });
    expect(layerProblems(src)).toEqual([
      "dashboard/server.ts imports cli/main.ts: layer 'dashboard' may not import 'cli' (cli is above it in the layer order); move the shared code down to the lower layer",
      "folder cycle: cli -> dashboard -> cli",
    ]);
  });

  it("fails on a circle between extras", () => {
    const src = tree({
      "http/a.ts": 'import { b } from "../otel/b.js";\n',
      "otel/b.ts": 'import type { a } from "../http/a.js";\n',
    });
    expect(layerProblems(src)).toEqual(["folder cycle: http -> otel -> http"]);
  });

  it("fails on a folder that is not in the layer order, saying to add it", () => {
    const src = tree({ "helpers/x.ts": "export const x = 1;\n" });
    expect(layerProblems(src)).toEqual([
      "src/helpers/ is not in the layer order: add the folder to LAYERS in test/architecture/layer-rules.ts (and to the map in CONTRIBUTING.md)",
    ]);
  });

  it("fails on an inline import type, but not on a dynamic import", () => {
    const src = tree({
      "runtime/a.ts": 'export type A = import("./b.js").B;\n',
      "runtime/b.ts": 'export type B = 1;\nexport const load = async () => await import("./a.js");\n',
    });
    expect(layerProblems(src)).toEqual([
      'runtime/a.ts: inline import type `import("./b.js")`: import the type at the top of the file with `import type`',
    ]);
  });
});
