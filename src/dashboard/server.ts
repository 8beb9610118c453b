import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Store } from "../index.js";
import { DashboardApi } from "./api.js";
import { HttpProblem } from "./http-problem.js";
import { toJson } from "./json.js";
import { QueryReader } from "./query.js";
import { streamRun } from "./run-stream.js";
import {
  hostHeaderIsLoopback,
  presentedToken,
  SECURITY_HEADERS,
  TOKEN_COOKIE,
  tokensMatch,
} from "./security.js";
import { StaticFiles } from "./static-files.js";

/** What {@link createDashboardServer} needs. */
export interface DashboardServerOptions {
  readonly reader: Store;
  /** When set, every request must carry it. */
  readonly token?: string;
  /** The folder of the built app (default: found next to this module or in `dist/dashboard/app`). */
  readonly appDir?: string;
}

/** Finds the prebuilt app: `dashboard/app` beside the bundle, or `dist/dashboard/app` in a clone. */
export function findAppDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let level = 0; level < 5; level++) {
    for (const candidate of [join(dir, "dashboard", "app"), join(dir, "dist", "dashboard", "app")]) {
      if (existsSync(join(candidate, "index.html"))) return candidate;
    }
    dir = dirname(dir);
  }
  return undefined;
}

/** An HTTP server (not yet listening) answering the dashboard's API and app. */
export function createDashboardServer(options: DashboardServerOptions): Server {
  const api = new DashboardApi(options.reader);
  const appDir = options.appDir ?? findAppDir();
  const files = appDir === undefined ? undefined : new StaticFiles(appDir);
  return createServer((request, response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    handle(request, response).catch((error: unknown) => {
      const problem =
        error instanceof HttpProblem
          ? error
          : new HttpProblem(
              500,
              `The store failed: ${error instanceof Error ? error.message : String(error)}`,
            );
      if (response.headersSent) {
        response.end();
        return;
      }
      sendJson(response, problem.status, { error: problem.message, status: problem.status });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://dashboard.invalid");
    const isApi = url.pathname === "/api" || url.pathname.startsWith("/api/");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("allow", "GET, HEAD");
      throw new HttpProblem(405, `The dashboard is read-only: ${request.method} is not allowed, use GET`);
    }
    if (options.token === undefined) {
      if (!hostHeaderIsLoopback(request)) {
        throw new HttpProblem(
          403,
          "This dashboard answers only to localhost; start it with a token to expose it",
        );
      }
    } else if (!tokensMatch(options.token, presentedToken(request, url.searchParams))) {
      throw new HttpProblem(401, "This dashboard needs its token: open the link it printed (…/?token=…)");
    } else if (!isApi && url.searchParams.has("token")) {
      // Keep the token out of the address bar and history: a cookie carries it from now on.
      url.searchParams.delete("token");
      response.writeHead(303, {
        "set-cookie": `${TOKEN_COOKIE}=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`,
        location: url.pathname + url.search,
      });
      response.end();
      return;
    }
    if (isApi) {
      const streamPath = /^\/api\/runs\/([^/]+)\/stream$/.exec(url.pathname);
      if (streamPath !== null) {
        const query = new QueryReader(url.searchParams, ["afterSeq"]);
        const run = await api.findRun(decodeURIComponent(streamPath[1]!));
        const lastEventId = Number(request.headers["last-event-id"]);
        const afterSeq = Number.isSafeInteger(lastEventId)
          ? lastEventId
          : query.integer("afterSeq", { min: 0, max: Number.MAX_SAFE_INTEGER, fallback: 0 })!;
        await streamRun(options.reader, run, request, response, afterSeq);
        return;
      }
      const started = performance.now();
      const answer = await api.answer(url.pathname, url.searchParams);
      sendJson(response, answer.status, answer.body, performance.now() - started);
      return;
    }
    if (files === undefined) {
      throw new HttpProblem(
        503,
        "The dashboard's app is not built: run `npm run build` in the justpipe folder",
      );
    }
    if (!(await files.serve(url.pathname, response, request.method === "HEAD"))) {
      throw new HttpProblem(404, `No file at ${url.pathname}`);
    }
  }
}

/** Sends JSON; `storeMs` (the time the store took) goes out as `Server-Timing`. */
function sendJson(response: ServerResponse, status: number, body: unknown, storeMs?: number): void {
  const started = performance.now();
  const text = toJson(body);
  if (storeMs !== undefined) {
    const jsonMs = performance.now() - started;
    response.setHeader("server-timing", `store;dur=${storeMs.toFixed(1)}, json;dur=${jsonMs.toFixed(1)}`);
  }
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  response.end(text);
}
