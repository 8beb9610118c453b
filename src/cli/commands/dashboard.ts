/** `justpipe dashboard`: serves the web UI over the store (loaded only by this command). */
import { randomBytes } from "node:crypto";
import type { Store } from "justpipe";
import type { CommandContext } from "../context.js";
import { CommandError, UsageError } from "../errors.js";
import { openStore } from "../open-store.js";
import { writeLines } from "../output.js";

/** Options of `dashboard`. */
export interface DashboardCommandOptions {
  readonly port?: string;
  readonly host?: string;
  /** A bearer token, or `true` for a random one. */
  readonly token?: string | true;
}

interface DashboardModule {
  startDashboard(options: {
    store: Store;
    port?: number;
    host?: string;
    token?: string;
  }): Promise<{ url: string; close(): Promise<void> }>;
}

/** The dashboard entry point (a variable, so neither the bundler nor the type checker pulls it in). */
const DASHBOARD_ENTRY = "justpipe/dashboard";

/** Starts the dashboard and keeps serving until Ctrl-C. */
export async function startDashboardCommand(
  context: CommandContext,
  options: DashboardCommandOptions,
): Promise<void> {
  const port = options.port === undefined ? 4545 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port expects a port number (0-65535), got "${options.port}"`);
  }
  let dashboard: DashboardModule;
  try {
    dashboard = (await import(DASHBOARD_ENTRY)) as DashboardModule;
  } catch (error) {
    throw new CommandError("the dashboard is not part of this build of justpipe", { cause: error });
  }
  const token = options.token === true ? randomBytes(18).toString("base64url") : options.token;
  const store = await openStore(context.location);
  const server = await dashboard.startDashboard({
    store,
    port,
    host: options.host ?? "127.0.0.1",
    ...(token !== undefined && { token }),
  });
  writeLines(`justpipe dashboard on ${server.url} (store ${context.location.location}); Ctrl-C stops it`);
  if (options.token === true) writeLines(`token: ${token}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  await store.close();
}
