import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SqliteStore } from "../../src/sqlite/index.js";
import { offlineEnv, runExample } from "./run-example.js";

it("npm run demo prints the hello world, then the RAG pipeline's timeline and streamed answer", {
  timeout: 60_000,
}, async () => {
  const directory = mkdtempSync(join(tmpdir(), "justpipe-demo-"));
  const path = join(directory, "runs.db");
  const { code, stdout, stderr } = await runExample("demo.ts", { env: offlineEnv({ JUSTPIPE_STORE: path }) });
  expect(code, stderr).toBe(0);
  // Both runs went to the default store (JUSTPIPE_STORE here).
  const store = new SqliteStore({ path });
  expect((await store.listRuns()).map((run) => [run.pipeName, run.status])).toEqual([
    ["rag", "success"],
    ["hello", "success"],
  ]);
  await store.close();
  rmSync(directory, { recursive: true, force: true });
  expect(stdout).toContain(`2 runs stored in ${path}`);
  expect(stdout).toContain("── hello world ──\nHello, World!\n");
  expect(stdout).toMatch(
    /^ +\d+ ms {2}▶ searchVectors\n +\d+ ms {2}▶ searchKeywords\n +\d+ ms {2}▶ searchWeb$/m,
  );
  expect(stdout).toMatch(/✗ searchWeb .*timed out after 50 ms.*\(retrying\)/);
  expect(stdout).toMatch(/⇥ fuseResults joins the three searches/);
  expect(stdout).toMatch(/⇉ rerank: one scoreCandidate worker per candidate, 3 at a time/);
  expect(stdout).toContain(
    "A join step waits at an implicit barrier until every parallel branch has finished. [1]",
  );
  expect(stdout).toContain("Sources: [1] Barriers, [2] Fork-join model (web), [3] Fan-out.");
  expect(stdout).toMatch(/\d+ ms {2}■ success\n/);
  expect(stdout).toContain("15 step runs (up to 4 at once), 4 map workers, 1 retry, 55 tokens");
});
