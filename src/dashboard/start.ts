import type { AddressInfo } from "node:net";
import type { Store } from "../index.js";
import { DashboardError } from "./errors.js";
import { isLoopback } from "./security.js";
import { createDashboardServer } from "./server.js";

/** Options of {@link startDashboard}. */
export interface DashboardOptions {
  /** The store whose runs it shows (read only). */
  readonly store: Store;
  /**
   * The port to listen on; `0` picks a free one.
   * @default 4545
   */
  readonly port?: number;
  /**
   * The address to listen on. Anything but a loopback address (`127.0.0.1`, `::1`, `localhost`)
   * requires `token`.
   * @default "127.0.0.1"
   */
  readonly host?: string;
  /**
   * A secret every request must carry (`Authorization: Bearer <token>`, or the `?token=` link,
   * which the browser then keeps in an HttpOnly cookie).
   */
  readonly token?: string;
}

/** A running dashboard. */
export interface RunningDashboard {
  /** Where to open it (with `?token=` when a token is set). */
  readonly url: string;
  /** Stops listening and ends the open live streams. */
  close(): Promise<void>;
}

/**
 * Serves the dashboard (the prebuilt web app and its read-only JSON API) over a store.
 *
 * @example
 * ```ts
 * import { startDashboard } from "justpipe/dashboard";
 * import { SqliteStore } from "justpipe/sqlite";
 *
 * const dashboard = await startDashboard({ store: new SqliteStore() });
 * console.log(`Dashboard at ${dashboard.url}`); // http://127.0.0.1:4545/
 * ```
 */
export function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  return listenDashboard(options);
}

/** {@link startDashboard} with the app served from `appDir` (tests serve a fresh build). @internal */
export async function listenDashboard(options: DashboardOptions, appDir?: string): Promise<RunningDashboard> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 4545;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new DashboardError(`Expected \`port\` to be an integer from 0 to 65535, got \`${String(port)}\``);
  }
  if (options.token !== undefined && options.token.length < 16) {
    throw new DashboardError(
      "Expected `token` to be at least 16 characters: make one with `openssl rand -hex 16`",
    );
  }
  if (!isLoopback(host) && options.token === undefined) {
    throw new DashboardError(
      `Listening on \`${host}\` would show your runs to the network: pass a token (--token, at least 16 characters), or keep the default host 127.0.0.1`,
    );
  }
  const server = createDashboardServer({
    reader: options.store,
    ...(appDir === undefined ? {} : { appDir }),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === "EADDRINUSE"
          ? `: port ${port} is taken, pass another --port (0 picks a free one)`
          : "";
      reject(
        new DashboardError(`The dashboard could not listen on ${host}:${port}${hint}`, { cause: error }),
      );
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const query = options.token === undefined ? "" : `?token=${encodeURIComponent(options.token)}`;
  return {
    url: `http://${shownHost}:${address.port}/${query}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
