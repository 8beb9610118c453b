// Builds the dashboard's web app into a temporary folder (a fresh clone has no dist/).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

export async function buildApp(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), "justpipe-dashboard-app-"));
  await build({
    configFile: fileURLToPath(new URL("../../../dashboard/vite.config.ts", import.meta.url)),
    build: { outDir, emptyOutDir: true },
    logLevel: "error",
  });
  return outDir;
}
