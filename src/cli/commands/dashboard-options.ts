/** The `dashboard` command's options; the dashboard itself is imported only when it runs. */
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import type { DashboardCommandOptions } from "./dashboard.js";

/** Adds `justpipe dashboard`. */
export function dashboardCommand(
  program: Command,
  action: (
    run: (context: CommandContext, options: DashboardCommandOptions) => Promise<void>,
  ) => (...args: unknown[]) => Promise<void>,
): void {
  program
    .command("dashboard")
    .description("serve the web dashboard over the store")
    .option("--port <port>", "the port", "4545")
    .option("--host <host>", "the interface to listen on", "127.0.0.1")
    .option("--token [token]", "require this bearer token (without a value: a random one, printed)")
    .action(
      action(async (context, options) => {
        const { startDashboardCommand } = await import("./dashboard.js");
        await startDashboardCommand(context, options);
      }),
    );
}
