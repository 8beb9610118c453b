import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);

it("npm run demo prints the hello world token, the join and a streamed answer", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/demo.ts"], {
    timeout: 20_000,
  });
  expect(stdout).toContain("Hello, World!");
  expect(stdout).toMatch(/▶ searchDocs[\s\S]*▶ searchNews/);
  expect(stdout).toMatch(/⇥ answer joins both branches/);
  expect(stdout).toContain("Found 3 docs and 1 news items about async pipelines.");
  expect(stdout).toMatch(/■ success/);
});
