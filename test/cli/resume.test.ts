// `justpipe resume`: continues a suspended run stored by `justpipe run`, with the module it recorded.
import { join } from "node:path";
import { Pipe } from "justpipe";
import { describe, expect, it } from "vitest";
import { FIXTURES, justpipe, temporaryDirectory } from "./support.js";

/** `pipe.resume` comes with the durable-runs layer; before it is in this build, there is nothing to resume. */
const durable = typeof (Pipe.prototype as { resume?: unknown }).resume === "function";

describe.skipIf(!durable)(`resume${durable ? "" : " (skipped: this build has no pipe.resume yet)"}`, () => {
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
  });
});
