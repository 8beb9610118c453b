/**
 * Example 17's page in a real browser: Hono serves the RAG pipeline, headless Chromium (Debian's,
 * driven by playwright-core) opens the page, asks, and the answer streamed through the page's
 * client (fetch + readEvents, bundled for the browser) appears. Skipped with a reason when
 * Chromium is not installed, except under CI=true, where it fails.
 */
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createApp } from "../../examples/17-hono-server/app.js";
import { ask } from "../../examples/17-hono-server/client.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true") throw new Error(`CI needs Chromium at ${CHROMIUM}`);
if (!haveChromium)
  console.warn(`skipping the browser test: no Chromium at ${CHROMIUM} (apt-get install chromium)`);

async function startApp(): Promise<{ url: string; close(): void }> {
  const server = serve({ fetch: createApp().fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe("example 17 (Hono)", () => {
  it("streams ndjson too, through the same client", async () => {
    const app = await startApp();
    try {
      let answer = "";
      const status = await ask(
        app.url,
        "What is fan-out?",
        { onToken: (text) => (answer += text) },
        "ndjson",
      );
      expect(status).toBe("success");
      expect(answer).toContain("A to array starts several branches in parallel");
    } finally {
      app.close();
    }
  });

  it.runIf(haveChromium)(
    "the page shows the streamed answer in a real browser",
    { timeout: 60_000 },
    async () => {
      const app = await startApp();
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
      try {
        const page = await browser.newPage();
        await page.goto(app.url);
        await page.fill("#question", "How do parallel branches join?");
        await page.click("button");
        await page.waitForSelector('#status:text-matches("^(status|error):")');
        expect(await page.textContent("#status")).toBe("status: success");
        expect(await page.textContent("#answer")).toContain("A join step waits at an implicit barrier");
        expect(await page.textContent("#steps")).toMatch(/^parseQuery → embedQuery → searchVectors/);
      } finally {
        await browser.close();
        app.close();
      }
    },
  );
});
