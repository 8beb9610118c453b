import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore, type RunRecord } from "justpipe";
import { computeStats } from "justpipe/inspect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DashboardError, startDashboard } from "../../src/dashboard/index.js";
import { listenDashboard } from "../../src/dashboard/start.js";
import { failingPipe, initial, ragPipe, suspendingPipe } from "./support/pipes.js";
import { runStored } from "./support/run-stored.js";

const store = new MemoryStore();
let dashboard: { url: string; close(): Promise<void> };
let base: string;
let failed: RunRecord;
let succeeded: RunRecord;

const getJson = async (path: string, init?: RequestInit) => {
  const response = await fetch(new URL(path, base), init);
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
};

beforeAll(async () => {
  succeeded = await runStored(store, ragPipe(), initial());
  failed = await runStored(store, failingPipe(), initial());
  await runStored(store, suspendingPipe(), initial());
  dashboard = await startDashboard({ store, port: 0 });
  base = dashboard.url;
});
afterAll(() => dashboard.close());

describe("the dashboard's JSON API", () => {
  it("listens on 127.0.0.1 and answers health", async () => {
    expect(new URL(base).hostname).toBe("127.0.0.1");
    expect((await getJson("/api/health")).body).toEqual({ ok: true });
  });

  it("lists runs with a total, filtered by status, pipe and search, paged", async () => {
    const all = await getJson("/api/runs");
    expect(all.body.total).toBe(3);
    const onlyFailed = await getJson("/api/runs?status=failed");
    expect(onlyFailed.body.runs.map((run: RunRecord) => run.runId)).toEqual([failed.runId]);
    expect((await getJson("/api/runs?pipe=rag")).body.total).toBe(1);
    expect((await getJson("/api/runs?q=appro")).body.runs[0].pipeName).toBe("approval");
    expect((await getJson(`/api/runs?q=${succeeded.runId}`)).body.runs[0].runId).toBe(succeeded.runId);
    const page = await getJson("/api/runs?limit=2&offset=2");
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(page.body.runs).toHaveLength(1);
  });

  it("shows one run with its stored describe()", async () => {
    const { body } = await getJson(`/api/runs/${failed.runId}`);
    expect(body.run).toMatchObject({ status: "failed", failedStep: "validate" });
    expect(body.pipeline.nodes.map((node: { name: string }) => node.name).sort()).toEqual([
      "enrich",
      "load",
      "store",
      "validate",
    ]);
    expect(body.chain).toEqual([{ runId: failed.runId, status: "failed", startedAt: failed.startedAt }]);
  });

  it("pages a run's events and filters them by type", async () => {
    const first = await getJson(`/api/runs/${succeeded.runId}/events?limit=5`);
    expect(first.body.events.map((event: { seq: number }) => event.seq)).toEqual([1, 2, 3, 4, 5]);
    const next = await getJson(`/api/runs/${succeeded.runId}/events?afterSeq=5&limit=2`);
    expect(next.body.events.map((event: { seq: number }) => event.seq)).toEqual([6, 7]);
    // A real run stores its tokens coalesced: one row per invocation and batch.
    const tokens = await getJson(`/api/runs/${succeeded.runId}/events?type=token`);
    expect(tokens.body.events.flatMap((event: { payload: string[] }) => event.payload).join("")).toBe(
      "Paris is the capital.",
    );
    // Several types at once: the union in seq order, paged like the rest.
    const all = (await getJson(`/api/runs/${succeeded.runId}/events`)).body.events;
    const wanted = all.filter(
      (event: { type: string }) => event.type === "step_start" || event.type === "token",
    );
    const both = await getJson(`/api/runs/${succeeded.runId}/events?type=token,step_start&limit=3`);
    expect(both.body.events).toEqual(wanted.slice(0, 3));
    const rest = await getJson(
      `/api/runs/${succeeded.runId}/events?type=token,step_start&afterSeq=${wanted[2].seq}&limit=100`,
    );
    expect(rest.body.events).toEqual(wanted.slice(3));
  });

  it("decodes the state at a run's last checkpoint", async () => {
    const { body } = await getJson(`/api/runs/${succeeded.runId}/state`);
    expect(body.decoded).toBe(true);
    expect(body.checkpoint).toMatchObject({ runId: succeeded.runId, reason: "finish", codec: "json" });
    expect(body.checkpoint.state).toBeUndefined();
    expect(body.state.answer).toBe("Paris is the capital.");
    expect(body.state.sources).toEqual(["doc-0", "doc-1", "doc-2"]);
  });

  it("lists pipelines and computes stats", async () => {
    const { body } = await getJson("/api/pipelines");
    expect(body.pipelines.map((pipeline: { name: string }) => pipeline.name).sort()).toEqual([
      "approval",
      "ingest",
      "rag",
    ]);
    const rag = body.pipelines.find((pipeline: { name: string }) => pipeline.name === "rag");
    expect(rag).toMatchObject({ runCount: 1, hash: succeeded.pipeHash });
    const one = await getJson(`/api/pipelines/${rag.hash}`);
    expect(one.body.pipeline.describe.roots).toEqual(["search"]);
    expect((await getJson("/api/pipelines/nope")).status).toBe(404);
    const stats = await getJson("/api/stats?pipe=rag");
    expect(stats.body).toMatchObject({ total: 1, byStatus: { success: 1 }, successRate: 1 });
    expect(stats.body.pipes[0].steps.map((step: { step: string }) => step.step).sort()).toEqual([
      "answer",
      "fetch_doc",
      "rank",
      "search",
    ]);
    // The same numbers as `justpipe runs stats`: one implementation, justpipe/inspect's.
    const expected = computeStats(await store.listRuns({ pipe: "rag" })).pipes;
    expect(stats.body.pipes).toEqual(JSON.parse(JSON.stringify(expected)));
    const all = await getJson("/api/stats");
    expect(all.body).toMatchObject({
      total: 3,
      sampled: 3,
      byStatus: { success: 1, failed: 1, suspended: 1 },
    });
    expect(all.body.successRate).toBeCloseTo(1 / 2);
  });

  it.each([
    ["/api/runs?limit=0", "`limit`"],
    ["/api/runs?limit=abc", "`limit`"],
    ["/api/runs?offset=-1", "`offset`"],
    ["/api/runs?status=exploded", "Unknown status `exploded`"],
    ["/api/runs?colour=red", "Unknown query parameter `colour`"],
    ["/api/stats?since=yesterday", "`since`"],
    ["/api/runs/x/events?type=nope", "Unknown event type `nope`"],
    ["/api/runs/ab%00cd", "Expected a run id"],
  ])("answers %s with 400 and a JSON error", async (path, message) => {
    const { status, body } = await getJson(path);
    expect(status).toBe(400);
    expect(body.error).toContain(message);
  });

  it("finds a run whose caller-chosen id has a slash and spaces", async () => {
    // Its own pipe name, so the counts other tests check do not change.
    await store.createRun({
      ...succeeded,
      runId: "order/42 retry",
      threadId: "order/42 retry",
      pipeName: "custom-ids",
    });
    const { status, body } = await getJson(`/api/runs/${encodeURIComponent("order/42 retry")}`);
    expect(status).toBe(200);
    expect(body.run.runId).toBe("order/42 retry");
  });

  it("answers a missing run and an unknown endpoint with 404 JSON", async () => {
    expect((await getJson("/api/runs/doesnotexist")).status).toBe(404);
    const html = await getJson("/api/runs/%3Cscript%3E");
    expect(html.status).toBe(404);
    expect(html.headers.get("content-type")).toContain("application/json");
    expect((await getJson("/api/nothing")).status).toBe(404);
  });

  it("is read-only and sends a strict Content-Security-Policy", async () => {
    const response = await fetch(new URL("/api/runs", base), { method: "POST" });
    expect(response.status).toBe(405);
    const { headers } = await getJson("/api/health");
    expect(headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses a Host header that is not this machine (DNS rebinding)", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL("/api/health", base);
      request(
        { host: url.hostname, port: url.port, path: url.pathname, headers: { host: "evil.example" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it("streams a finished run's events, then ends", async () => {
    const response = await fetch(new URL(`/api/runs/${succeeded.runId}/stream`, base));
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const text = await response.text();
    expect(text).toContain("event: run");
    expect(text).toContain("event: events");
    expect(text.trim().endsWith("event: end\ndata: {}")).toBe(true);
  });
});

describe("searching runs by id prefix or pipe name", () => {
  it("merges both, newest first, counts a run both find once, and pages the merge", async () => {
    const searched = new MemoryStore();
    // Pipe names containing "ap", and ids starting with "ap": "ap-1" is found both ways.
    await runStored(searched, suspendingPipe("approval"), initial(), { runId: "ap-1" });
    await runStored(searched, ragPipe("wrap"), initial(), { runId: "zz-2" });
    await runStored(searched, ragPipe("rag"), initial(), { runId: "ap-3" });
    await runStored(searched, ragPipe("rag"), initial(), { runId: "zz-4" });
    await runStored(searched, failingPipe("ingest"), initial(), { runId: "zz-5" });
    const server = await startDashboard({ store: searched, port: 0 });
    try {
      const get = async (path: string) => (await fetch(new URL(path, server.url))).json() as Promise<any>;
      const ids = (body: { runs: RunRecord[] }) => body.runs.map((run) => run.runId);
      const all = await get("/api/runs?q=ap");
      expect(ids(all)).toEqual(["ap-3", "zz-2", "ap-1"]);
      expect(all.total).toBe(3);
      const second = await get("/api/runs?q=ap&limit=2&offset=2");
      expect(ids(second)).toEqual(["ap-1"]);
      expect(second.total).toBe(3);
      expect(ids(await get("/api/runs?q=AP"))).toEqual(["zz-2", "ap-1"]);
      expect(ids(await get("/api/runs?q=ap&pipe=rag"))).toEqual(["ap-3"]);
      expect(await get("/api/runs?q=zz-&status=failed")).toMatchObject({
        total: 1,
        runs: [{ runId: "zz-5" }],
      });
      expect(await get("/api/runs?q=nothing")).toMatchObject({ total: 0, runs: [] });
      // A page past the end still says how many there are.
      expect(await get("/api/runs?limit=2&offset=10")).toMatchObject({ total: 5, runs: [] });
    } finally {
      await server.close();
    }
  });
});

describe("exposing the dashboard", () => {
  it("refuses a non-loopback host without a token", async () => {
    await expect(startDashboard({ store, host: "0.0.0.0", port: 0 })).rejects.toThrow(DashboardError);
    await expect(startDashboard({ store, host: "0.0.0.0", port: 0 })).rejects.toThrow(/pass a token/);
  });

  it("refuses a bad port and a short token, saying what to pass", async () => {
    await expect(startDashboard({ store, port: 70_000 })).rejects.toThrow(/`port`.*0 to 65535/);
    await expect(startDashboard({ store, port: 0, token: "short" })).rejects.toThrow(
      /at least 16 characters/,
    );
  });

  it("then requires the token on every request", async () => {
    const token = "0123456789abcdef0123";
    const exposed = await startDashboard({ store, host: "0.0.0.0", port: 0, token });
    try {
      const port = new URL(exposed.url).port;
      expect(exposed.url).toContain(`?token=${token}`);
      const without = await fetch(`http://127.0.0.1:${port}/api/runs`);
      expect(without.status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/runs`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/api/health?token=${token}`)).status).toBe(200);
      const wrong = await fetch(`http://127.0.0.1:${port}/api/runs`, {
        headers: { authorization: "Bearer nope" },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`http://127.0.0.1:${port}/api/runs`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(right.status).toBe(200);
      const link = await fetch(`http://127.0.0.1:${port}/runs?token=${token}`, { redirect: "manual" });
      expect(link.status).toBe(303);
      expect(link.headers.get("location")).toBe("/runs");
      expect(link.headers.get("set-cookie")).toContain("HttpOnly");
    } finally {
      await exposed.close();
    }
  });
});

describe("the app's files", () => {
  /** A raw GET: the path goes to the server exactly as written (fetch would normalise it). */
  const rawGet = (url: string, path: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      request({ host: hostname, port, path }, (response) => {
        let body = "";
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      })
        .on("error", reject)
        .end();
    });

  it("serves the app, routes views to index.html, and never a file outside its folder", async () => {
    const root = mkdtempSync(join(tmpdir(), "justpipe-static-"));
    const app = join(root, "app");
    mkdirSync(join(app, "assets"), { recursive: true });
    writeFileSync(join(app, "index.html"), "<!doctype html><title>app</title>");
    writeFileSync(join(app, "assets", "main.js"), "console.log(1)");
    writeFileSync(join(root, "secret.txt"), "TOP SECRET");
    const served = await listenDashboard({ store, port: 0 }, app);
    try {
      const script = await rawGet(served.url, "/assets/main.js");
      expect(script).toEqual({ status: 200, body: "console.log(1)" });
      expect((await rawGet(served.url, "/runs/abc?tab=events")).body).toContain("<title>app</title>");
      for (const path of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e%5c%2e%2e%5csecret.txt",
        "/..%00/secret.txt",
        "/%2fetc%2fpasswd",
      ]) {
        const answer = await rawGet(served.url, path);
        expect(answer.body, path).not.toContain("TOP SECRET");
        expect(answer.body, path).not.toContain("root:");
        expect(answer.status, path).toBe(404);
      }
      // A protocol-relative target is a host and a path (`/passwd`): a view of the app.
      expect((await rawGet(served.url, "//etc/passwd")).body).toContain("<title>app</title>");
    } finally {
      await served.close();
    }
  });
});
