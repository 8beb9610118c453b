// Durable runs across real processes: a run suspends in one process and another resumes it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/sqlite/index.js";

const directory = mkdtempSync(join(tmpdir(), "justpipe-processes-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const runProcess = (...args: string[]) =>
  JSON.parse(
    execFileSync(process.execPath, ["--import", "tsx", "test/durable/support/approval-process.ts", ...args], {
      encoding: "utf8",
    })
      .trim()
      .split("\n")
      .at(-1)!,
  ) as { runId: string; status: string; state?: unknown };

describe("human in the loop across processes", () => {
  it("a run suspends in one process; a second process resumes it with the human's input", async () => {
    const db = join(directory, "review.db");
    const first = runProcess("run", db);
    expect(first.status).toBe("suspended");
    const second = runProcess("resume", db, first.runId.slice(0, 8));
    expect(second).toMatchObject({
      status: "success",
      state: { draft: "hello", approved: true, published: "HELLO" },
    });
    expect(readFileSync(`${db}.effects`, "utf8").trim().split("\n")).toHaveLength(1);
    const store = new SqliteStore({ path: db });
    expect(await store.getRun(first.runId)).toMatchObject({ status: "suspended", suspendedStep: "approve" });
    expect(await store.getRun(second.runId)).toMatchObject({
      status: "success",
      threadId: first.runId,
      resumedFrom: first.runId,
    });
    await store.close();
  });
});
