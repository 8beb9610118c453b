/**
 * Issue 15: "the step overloads give the real cause when a handler returns a wrong type, under
 * TypeScript 6 and 7". Compiles a user's mistake with both compilers and reads the diagnostics:
 * they must say what the handler returned, not that a name is not a handler (what "the last
 * overload" said when `pipe.step` had two overloads), nor that a handler is not a string (what a
 * union of argument tuples said for `pipe.step(handler, options)`).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "justpipe-types-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MISTAKES = `
import { Pipe } from "justpipe";
const pipe = new Pipe<{ sizes: number[] }>();
pipe.step("size", ({ state }) => state.sizes.length);
pipe.step("asyncSize", async ({ state }) => state.sizes.length);
pipe.step(function named({ state }) { return state.sizes.length; });
pipe.step(function withOptions({ state }) { return state.sizes.length; }, { to: "size" });
pipe.step(async function asyncWithOptions({ state }) { return state.sizes.length; }, { to: "size" });
const declared = ({ state }: { state: { sizes: number[] } }) => state.sizes.length;
pipe.step(declared, { to: "size" });
pipe.step("declared", declared, { to: "size" });
pipe.step<string>("typedItem", ({ item }) => item.length);
`;

writeFileSync(path.join(work, "mistakes.ts"), MISTAKES);
writeFileSync(
  path.join(work, "tsconfig.json"),
  JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: "ES2023",
      lib: ["ES2023", "ESNext.Disposable"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      types: ["node"],
      typeRoots: [path.join(root, "node_modules/@types")],
      skipLibCheck: true,
      paths: { justpipe: [path.join(root, "src/index.ts")] },
    },
    files: ["mistakes.ts"],
  }),
);

async function diagnostics(compiler: string): Promise<string> {
  try {
    await run(process.execPath, [path.join(root, compiler), "-p", work], { cwd: work });
    return "";
  } catch (error) {
    return (error as { stdout: string }).stdout;
  }
}

describe.concurrent("a step handler that returns a wrong type", { timeout: 120_000 }, () => {
  for (const [label, compiler] of [
    ["TypeScript 6", "node_modules/typescript/bin/tsc"],
    ["TypeScript 7", "node_modules/typescript7/bin/tsc"],
  ] as const) {
    it(`is reported with the real cause by ${label}`, async () => {
      const output = await diagnostics(compiler);
      const errors = output
        .split(/\n(?=mistakes\.ts\(\d+,\d+\))/)
        .filter((entry) => entry.startsWith("mistakes.ts"));
      expect(errors.map((entry) => /^mistakes\.ts\((\d+),/.exec(entry)?.[1])).toEqual([
        "4",
        "5",
        "6",
        "7",
        "8",
        "10",
        "11",
        "12",
      ]);
      for (const entry of errors) {
        // The last line of each diagnostic is its innermost cause: the handler's return type.
        const cause = entry.trim().split("\n").at(-1)!;
        expect(cause).toMatch(/Type '(number|Promise<number>)' is not assignable to type/);
        expect(entry).not.toContain("Argument of type 'string' is not assignable");
        expect(entry).not.toContain("Type 'string' is not assignable to type 'StepHandler");
        expect(entry).not.toContain("is not assignable to type 'string'");
      }
      expect(errors[1]).toMatch(/Type 'number' is not assignable to type 'StepResult'/);
    });
  }
});
