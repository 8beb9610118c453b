// `justpipe resume`: continues a suspended run stored by `justpipe run`, with the module it recorded.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FIXTURES, justpipe, temporaryDirectory } from "./support.js";

describe("resume", () => {
  it("resumes a suspended run with --input, using the module `run` recorded, and shows the chain", async () => {
    const store = join(temporaryDirectory(), "resume.db");
    const first = await justpipe([
      "--store",
      store,
      "run",
      `${join(FIXTURES, "pipes.mjs")}#approval`,
      "--run-id",
      "approve-me-1",
    ]);
    expect(first.code).toBe(1);
    expect(first.stderr).toContain("suspended");
    const resumed = await justpipe([
      "--store",
      store,
      "resume",
      "approve-me",
      "--input",
      '{"approved":true}',
      "--json",
      "-q",
    ]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result).toMatchObject({ status: "success" });
    const shown = JSON.parse(
      (await justpipe(["--store", store, "runs", "show", result.runId, "--json"])).stdout,
    );
    expect(shown.resumeChain).toEqual(["approve-me-1", result.runId]);
    expect(shown.run.resumedFrom).toBe("approve-me-1");
  });

  it("refuses a finished run in one line, and a run without a recorded module names --module", async () => {
    const store = join(temporaryDirectory(), "resume-refused.db");
    await justpipe(["--store", store, "run", join(FIXTURES, "pipes.mjs"), "--run-id", "done-run-1"]);
    const refused = await justpipe(["--store", store, "resume", "done-run-1"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain("done-run-1");
    // A run stored by the library, not by `justpipe run`: no module recorded, so --module.
    execFileSync(process.execPath, [join(FIXTURES, "store-run.mjs"), store, "library-run-1"]);
    const unknown = await justpipe(["--store", store, "resume", "library-run-1"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("--module");
    const resumed = await justpipe([
      "--store",
      store,
      "resume",
      "library-run-1",
      "--module",
      `${join(FIXTURES, "pipes.mjs")}#approval`,
      "--input",
      '{"approved":true}',
      "--json",
    ]);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ status: "success" });
  });
});
