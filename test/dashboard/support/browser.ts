// Chromium for the dashboard's browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (never a downloaded browser), a fresh profile per launch, and the flags that keep it off the
// network. Outside CI a missing chromium skips the tests with the command that installs it; under
// CI=true it fails them.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-quic",
  "--disable-sync",
];

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} not found: install it with \`apt-get install -y chromium\` (.ci/run does)`;
  if (process.env.CI === "true")
    throw new Error(`The dashboard's browser tests need Chromium under CI: ${reason}`);
  return reason;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a fresh user-data-dir, at 1280×800, in the given colour scheme. */
export async function launchBrowser(colorScheme: "light" | "dark" = "light"): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), "justpipe-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
    colorScheme,
    timeout: 30_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
