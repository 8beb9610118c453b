/// <reference lib="dom" />
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Pipe, type RunRecord } from "justpipe";
import { SqliteStore } from "justpipe/sqlite";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenDashboard } from "../../src/dashboard/start.js";
import { type Browser, chromiumMissing, launchBrowser } from "./support/browser.js";
import { buildApp } from "./support/build-app.js";
import { failingPipe, initial, ragPipe, suspendingPipe, xssPipe } from "./support/pipes.js";
import { resumeStored, runStored } from "./support/run-stored.js";

const missing = chromiumMissing();
const ARTEFACTS = "test-results/dashboard";

describe.skipIf(missing !== undefined)(
  `the dashboard in Chromium${missing ? ` (skipped: ${missing})` : ""}`,
  () => {
    // A SQLite file, so that another process can write a run while the page is open.
    const folder = mkdtempSync(join(tmpdir(), "justpipe-dashboard-"));
    const storePath = join(folder, "runs.db");
    const store = new SqliteStore({ path: storePath });
    let dashboard: { url: string; close(): Promise<void> };
    let browser: Browser;
    let page: Page;
    let appDir: string;
    const problems: string[] = [];
    const runs: Record<string, RunRecord> = {};

    const open = async (path: string) => {
      await page.goto(new URL(path, dashboard.url).href);
    };
    const shot = (name: string) => page.screenshot({ path: `${ARTEFACTS}/${name}.png`, fullPage: false });

    beforeAll(async () => {
      mkdirSync(ARTEFACTS, { recursive: true });
      const nightly = new Pipe<{ n: number }>({ name: "nightly" });
      nightly.step("report", async () => {});
      nightly.step(
        "collect",
        async ({ state }) => {
          state.n++;
        },
        { to: "report" },
      );
      for (let index = 0; index < 118; index++) await runStored(store, nightly, { n: index });
      runs.suspended = await runStored(store, suspendingPipe(), initial());
      // Its resume: the next segment of the same thread, by pipe.resume().
      runs.resumed = await resumeStored(store, suspendingPipe(), runs.suspended!.runId);
      runs.xss = await runStored(store, xssPipe(), initial());
      runs.ingested = await runStored(store, failingPipe("ingest", false), initial());
      runs.failed = await runStored(store, failingPipe(), initial());
      runs.ragBefore = await runStored(store, ragPipe(), initial());
      runs.rag = await runStored(store, ragPipe(), initial());
      [appDir, browser] = await Promise.all([buildApp(), launchBrowser()]);
      dashboard = await listenDashboard({ store, port: 0 }, appDir);
      page = await browser.context.newPage();
      page.on("dialog", (dialog) => {
        problems.push(`dialog: ${dialog.message()}`);
        void dialog.dismiss();
      });
      page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") problems.push(`console: ${message.text()}`);
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await dashboard?.close();
      await store.close();
      await rm(folder, { recursive: true, force: true });
      if (appDir) await rm(appDir, { recursive: true, force: true });
    });

    it("shows the runs in the table, newest first, with status as icon and text", async () => {
      await open("/");
      await page.waitForSelector(`tr[data-run="${runs.rag!.runId}"]`);
      expect(await page.locator("[data-total]").getAttribute("data-total")).toBe("125");
      const firstRow = page.locator("tbody tr").first();
      expect(await firstRow.getAttribute("data-run")).toBe(runs.rag!.runId);
      expect(await page.locator(`tr[data-run="${runs.failed!.runId}"] .status`).textContent()).toMatch(
        /✕\s*failed/,
      );
      expect(await page.locator(`tr[data-run="${runs.failed!.runId}"]`).textContent()).toContain("validate");
      await shot("runs");
    });

    it("pages on the server and searches by pipe name and id prefix", async () => {
      await open("/runs");
      await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 50);
      await page.getByRole("button", { name: "Older →" }).click();
      await page.waitForSelector("[data-page='2']");
      await page.getByRole("button", { name: "Older →" }).click();
      await page.waitForSelector("[data-page='3']");
      await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 25);
      expect(new URL(page.url()).searchParams.get("page")).toBe("3");
      await page.fill("[data-filter='search']", "ingest");
      await page.waitForFunction(
        () => document.querySelector("[data-total]")?.getAttribute("data-total") === "2",
      );
      expect(await page.locator("tbody tr").first().getAttribute("data-run")).toBe(runs.failed!.runId);
      expect(new URL(page.url()).searchParams.get("q")).toBe("ingest");

      await page.fill("[data-filter='search']", runs.suspended!.runId);
      await page.waitForFunction(
        (id) =>
          document.querySelector("tbody tr")?.getAttribute("data-run") === id &&
          document.querySelectorAll("tbody tr").length === 1,
        runs.suspended!.runId,
      );
      await page.fill("[data-filter='search']", "");
      await page.waitForFunction(
        () => document.querySelector("[data-total]")?.getAttribute("data-total") === "125",
      );
      await page.selectOption("[data-filter='status']", "failed");
      await page.waitForFunction(
        () => document.querySelector("[data-total]")?.getAttribute("data-total") === "2",
      );
    });

    it("opens a failed run with its failed step highlighted in the graph and its error shown", async () => {
      await open(`/runs/${runs.failed!.runId}`);
      const failedNode = page.locator('.graph [data-step="validate"]');
      await failedNode.waitFor();
      expect(await failedNode.getAttribute("data-state")).toBe("failed");
      expect(await failedNode.getAttribute("class")).toContain("step-failed");
      expect(await page.locator('.graph [data-step="enrich"]').getAttribute("data-state")).toBe("ended");
      expect(await page.locator('.graph [data-step="store"]').getAttribute("data-state")).toBe("never");
      expect(await page.locator("[data-error]").textContent()).toBe(
        "schema mismatch: field `price` is not a number",
      );
      expect(await page.locator(".run-header").textContent()).toContain("step · user_code");
      await shot("run-failed");
    });

    it("shows a suspended run's reason and links along its resume chain", async () => {
      await open(`/runs/${runs.suspended!.runId}`);
      await page.waitForSelector(".chain");
      expect(await page.locator(".run-header").textContent()).toContain("at review: waiting for an editor");
      expect(await page.locator('.graph [data-step="review"]').getAttribute("data-state")).toBe("suspended");
      await page.click(`.chain a[href="/runs/${runs.resumed!.runId}"]`);
      await page.waitForSelector(`.chain strong`);
      expect(await page.locator(".chain strong").textContent()).toBe(runs.resumed!.runId);
      expect(new URL(page.url()).pathname).toBe(`/runs/${runs.resumed!.runId}`);
    });

    it("draws a timeline bar per invocation (map workers folded into one row)", async () => {
      await open(`/runs/${runs.rag!.runId}`);
      await page.waitForSelector(".timeline [data-invocation]");
      const starts = await store.getEvents(runs.rag!.runId, { types: ["step_start"] });
      expect(await page.locator(".timeline [data-invocation]").count()).toBe(starts.length);
      const workerRow = page.locator('.timeline-row[data-stage="fetch_doc"]');
      expect(await workerRow.locator("[data-invocation]").count()).toBe(3);
      expect(await workerRow.locator(".timeline-label").textContent()).toContain("×3");
      await shot("run-success");
    });

    it("filters the event log by type and by step, and opens a payload", async () => {
      await open(`/runs/${runs.rag!.runId}`);
      await page.waitForSelector(".event-row");
      const total = (await store.getEvents(runs.rag!.runId)).length;
      expect(await page.locator("[data-count]").getAttribute("data-count")).toBe(String(total));
      // The run's four tokens are stored coalesced, in one row.
      const tokenRows = (await store.getEvents(runs.rag!.runId, { types: ["token"] })).length;
      await page.selectOption("[data-filter='type']", "token");
      await page.waitForFunction(
        (count) => document.querySelector("[data-count]")?.getAttribute("data-count") === String(count),
        tokenRows,
      );
      expect(new URL(page.url()).searchParams.get("type")).toBe("token");
      await page.locator(".event-row").first().click();
      expect(JSON.parse((await page.locator("[data-payload]").textContent())!)).toEqual([
        "Paris",
        " is",
        " the",
        " capital.",
      ]);
      await page.selectOption("[data-filter='type']", "");
      await page.selectOption("[data-filter='step']", "fetch_doc");
      await page.waitForFunction(
        () => document.querySelector("[data-count]")?.getAttribute("data-count") === "6",
      );
      const types = await page.locator(".event-row .event-type").allInnerTexts();
      expect(new Set(types)).toEqual(new Set(["step_start", "step_end"]));
      await page.getByRole("tab", { name: /Streamed output/ }).click();
      expect(await page.locator(".streamed").textContent()).toBe("Paris is the capital.");
      await page.keyboard.press("3");
      await page.waitForSelector("[data-checkpoint-state]");
      expect(await page.locator("[data-checkpoint-state]").textContent()).toContain(
        '"answer": "Paris is the capital."',
      );
      expect(new URL(page.url()).searchParams.get("tab")).toBe("state");
    });

    it("keeps a step named <img src=x onerror=alert(1)> and an HTML error inert", async () => {
      await open(`/runs/${runs.xss!.runId}`);
      await page.waitForSelector(".graph [data-step]");
      expect(await page.locator("[data-error]").textContent()).toBe("<script>alert(2)</script>");
      expect(await page.locator(".graph").textContent()).toContain("<img src=x onerror=alert(1)>");
      await page.selectOption("[data-filter='step']", "<img src=x onerror=alert(1)>");
      await page.locator(".event-row").first().click();
      await open("/runs?q=%3Cb%3E");
      await page.waitForSelector(`tr[data-run="${runs.xss!.runId}"]`);
      expect(await page.locator(`tr[data-run="${runs.xss!.runId}"]`).textContent()).toContain(
        "<b>bold</b>-pipe",
      );
      expect(await page.locator("img, b, script:not([src])").count()).toBe(0);
      expect(problems.filter((problem) => problem.startsWith("dialog"))).toEqual([]);
    });

    it("compares two runs step by step and shows a pipe's stats", async () => {
      await open(`/compare?a=${runs.ingested!.runId}&b=${runs.failed!.runId}`);
      await page.waitForSelector(".compare [data-step='validate']");
      expect(await page.locator("[data-verdict]").textContent()).toBe("regressed");
      expect(await page.locator(".compare [data-step='validate']").getAttribute("data-change")).toBe(
        "status",
      );
      expect(await page.locator(".compare [data-step='store']").getAttribute("data-change")).toBe(
        "only_in_a",
      );
      expect(await page.locator(".compare [data-step='load']").getAttribute("data-change")).toBe("same");
      await shot("compare");
      await open("/pipes/rag");
      await page.waitForSelector("[data-success-rate]");
      expect(await page.locator("[data-success-rate]").textContent()).toBe("100.0 %");
      await page.waitForSelector(".chart canvas");
      await shot("pipe");
    });

    it("moves through the runs with the keyboard, marks two to compare and opens one", async () => {
      await open("/runs");
      await page.waitForSelector("tbody tr.cursor");
      const rows = page.locator("tbody tr");
      expect(await rows.nth(0).getAttribute("class")).toContain("cursor");
      await page.keyboard.press("j");
      await page.keyboard.press("j");
      await page.waitForFunction(() =>
        document.querySelectorAll("tbody tr")[2]?.classList.contains("cursor"),
      );
      await page.keyboard.press("k");
      await page.waitForFunction(() =>
        document.querySelectorAll("tbody tr")[1]?.classList.contains("cursor"),
      );
      const second = await rows.nth(1).getAttribute("data-run");
      await page.keyboard.press("x");
      await page.keyboard.press("j");
      // Each key acts on the page as rendered: wait for the cursor before marking its row.
      await page.waitForFunction(() =>
        document.querySelectorAll("tbody tr")[2]?.classList.contains("cursor"),
      );
      await page.keyboard.press("x");
      const third = await rows.nth(2).getAttribute("data-run");
      const compare = page.getByRole("link", { name: "Compare the 2 marked runs" });
      expect(await compare.getAttribute("href")).toBe(`/compare?a=${second}&b=${third}`);
      await page.keyboard.press("/");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-filter"))).toBe("search");
      await page.keyboard.press("Escape");
      await page.keyboard.press("Enter");
      await page.waitForURL(`**/runs/${third}`);
    });

    it("follows the system's light or dark theme", async () => {
      await open("/runs");
      await page.waitForSelector("tbody tr");
      const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await page.emulateMedia({ colorScheme: "light" });
      const light = await background();
      await page.emulateMedia({ colorScheme: "dark" });
      const dark = await background();
      await page.emulateMedia({ colorScheme: "light" });
      expect(light).toBe("rgb(248, 249, 250)");
      expect(dark).toBe("rgb(13, 17, 23)");
    });

    it("shows a run written while the page is open, and updates it live", async () => {
      await open("/runs");
      await page.waitForSelector("tbody tr");
      const writer = spawn(
        process.execPath,
        ["--import", "tsx", fileURLToPath(new URL("support/live-writer.ts", import.meta.url)), storePath],
        { stdio: ["pipe", "pipe", "inherit"] },
      );
      try {
        const lines = createInterface({ input: writer.stdout! })[Symbol.asyncIterator]();
        const first = (await lines.next()).value as string;
        expect(first).toMatch(/^started /);
        const runId = first.slice("started ".length);
        await page.waitForSelector(`tr[data-run="${runId}"] [data-status="running"]`, { timeout: 5000 });
        await page.click(`tr[data-run="${runId}"] a[href^="/runs/"]`);
        await page.waitForSelector('.graph [data-step="wait_for_gate"][data-state="running"]', {
          timeout: 5000,
        });
        expect(await page.locator('.graph [data-step="finish_up"]').getAttribute("data-state")).toBe("never");
        await shot("run-live");
        writer.stdin!.write("go\n");
        await page.waitForSelector('.graph [data-step="finish_up"][data-state="ended"]', { timeout: 5000 });
        await page.waitForSelector('.run-header [data-status="success"]', { timeout: 5000 });
      } finally {
        writer.stdin!.end();
        if (writer.exitCode === null) await new Promise((resolve) => writer.once("exit", resolve));
      }
      expect(writer.exitCode).toBe(0);
    }, 30_000);

    it("runs under the strict Content-Security-Policy without errors", () => {
      expect(problems).toEqual([]);
    });
  },
);
