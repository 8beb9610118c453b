#!/usr/bin/env node
/**
 * The `justpipe` command (`npx justpipe <command>`): runs the program and turns failures into one
 * clear line and an exit status (1 for a failure, 2 for a usage error).
 */
import { CommanderError } from "commander";
import { CommandError } from "./errors.js";
import { colorsFor } from "./output.js";
import { buildProgram } from "./program.js";

/** Runs the command line; resolves to the exit status. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes("--debug");
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed the message; help and --version are not errors.
      return error.exitCode === 0 ? 0 : 2;
    }
    const colors = colorsFor(process.stderr);
    if (error instanceof CommandError) {
      process.stderr.write(`${colors.red("justpipe:")} ${error.message}\n`);
      for (const line of error.details) process.stderr.write(`${line}\n`);
      if (debug && error.cause instanceof Error) process.stderr.write(`${error.cause.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? `${error.message}` : String(error);
    process.stderr.write(`${colors.red("justpipe:")} ${message.split("\n")[0]}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    // justpipe's own errors (and system errors) carry a code and say what to do: one line is enough.
    else if (typeof (error as { code?: unknown } | null)?.code !== "string") {
      process.stderr.write(colors.dim("(--debug prints the stack)\n"));
    }
    return 1;
  }
}

// `justpipe runs events <id> | head`: the reader went away, which is not an error.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main().then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    process.stderr.write(`justpipe: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
