/**
 * The `justpipe` command's grammar (commander): every command, option and help text. The actions
 * live in `commands/`.
 */
import { Command, Option } from "commander";
import { dashboardCommand } from "./commands/dashboard-options.js";
import { graphModule } from "./commands/graph.js";
import { inspectCommands } from "./commands/inspect-commands.js";
import { showPipelines } from "./commands/pipelines.js";
import { resumeRun } from "./commands/resume.js";
import { runModule } from "./commands/run.js";
import { showEvents } from "./commands/runs-events.js";
import { exportRun } from "./commands/runs-export.js";
import { listRuns } from "./commands/runs-list.js";
import { pruneRuns } from "./commands/runs-prune.js";
import { showRun } from "./commands/runs-show.js";
import { showStats } from "./commands/runs-stats.js";
import { type CommandContext, createContext, type GlobalOptions } from "./context.js";

/** The package version, set by the build. */
declare const JUSTPIPE_VERSION: string;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Wraps an action: builds the context from the global options, then runs it with the arguments and options. */
export function action(
  run: (context: CommandContext, ...args: any[]) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await run(createContext(command.optsWithGlobals<GlobalOptions>()), ...args.slice(0, -2), command.opts());
  };
}

/** Builds the program. */
export function buildProgram(): Command {
  const program = new Command("justpipe")
    .description("Look at stored justpipe runs, run and resume pipelines from modules.")
    .version(typeof JUSTPIPE_VERSION === "string" ? JUSTPIPE_VERSION : "dev", "-v, --version")
    .option("--store <file|postgres-url>", "the store (default: $JUSTPIPE_STORE, else ./.justpipe/runs.db)")
    .option("--debug", "print stack traces of unexpected errors")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false });

  const runs = program
    .command("runs")
    .description("stored runs: list, show, events, timeline, compare, stats, export, prune");
  runs
    .command("list")
    .alias("ls")
    .description("newest runs first")
    .option("--pipe <name>", "only runs of this pipe")
    .option("--status <status>", "only runs with this status (repeat or comma-separate)", collect)
    .option("--since <age|date>", "only runs that started within 2h, 1d, ... or since a date")
    .option("--limit <n>", "at most this many runs", "20")
    .option("--json", "JSON for scripts (exact times)")
    .action(action(listRuns));
  runs
    .command("show")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("one run: status, durations, failure, error stack, suspend, resume chain and its steps")
    .option("--json", "JSON for scripts")
    .action(action(showRun));
  runs
    .command("events")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("a run's events; --follow tails a run that is still going")
    .option("--type <type>", "only events of this type (repeat or comma-separate)", collect)
    .option("--step <step>", "only events of this step (repeat or comma-separate)", collect)
    .option("-f, --follow", "keep printing events as they are stored until the run finishes")
    .option("--interval <ms>", "how often --follow looks for new events", "200")
    .option("--json", "JSON (with --follow: one event per line)")
    .action(action(showEvents));
  inspectCommands(runs, action);
  runs
    .command("stats")
    .description("per pipe and per step: runs, success rate, p50/p95 durations, common failures")
    .option("--pipe <name>", "only this pipe")
    .option("--since <age|date>", "runs that started within this age or since this date", "7d")
    .option("--limit <n>", "at most this many of the newest runs", "10000")
    .option("--json", "JSON for scripts")
    .action(action(showStats));
  runs
    .command("export")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("the run and its events as JSON (or JSON lines)")
    .addOption(
      new Option("--format <format>", "json: one document; jsonl: one line per record")
        .choices(["json", "jsonl"])
        .default("json"),
    )
    .action(action(exportRun));
  runs
    .command("prune")
    .description("delete old runs (asks first on a terminal)")
    .requiredOption("--older-than <age|date>", "runs that started before this age (30d, 12h) or date")
    .option("--status <status>", "only runs with this status (repeat or comma-separate)", collect)
    .option("--pipe <name>", "only runs of this pipe")
    .option("--dry-run", "count what would be deleted, delete nothing")
    .option("-y, --yes", "do not ask (for scripts)")
    .option("--json", "JSON for scripts")
    .action(action(pruneRuns));

  program
    .command("pipelines")
    .argument("[name]", "a pipe name (or hash prefix): print its Mermaid graph")
    .description("the pipelines in the store: name, hash, runs, last run")
    .option("--json", "JSON for scripts")
    .action(action(showPipelines));
  program
    .command("run")
    .argument("<module>", "a module exporting a Pipe: ./pipe.ts (default export) or ./pipes.ts#name")
    .description("run a pipe from a module and store the run; tokens go to stdout")
    .option("--state <json|@file>", "the initial state as JSON, or @file.json", undefined)
    .option("--run-id <id>", "the run's id (default: a random one)")
    .option("-q, --quiet", "no progress or summary on stderr unless the run fails")
    .option("--json", "print { runId, status, end } at the end instead of tokens")
    .action(action(runModule));
  program
    .command("resume")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("resume a suspended (or failed, with --retry-failed) run")
    .option("--input <json|@file>", "a partial state merged into the restored state")
    .option("--module <module>", "the module of its pipe (default: the one `justpipe run` recorded)")
    .option("--retry-failed", "resume a failed, timed-out or cancelled run")
    .option("-q, --quiet", "no progress or summary on stderr unless the run fails")
    .option("--json", "print { runId, status, end } at the end instead of tokens")
    .action(action(resumeRun));
  program
    .command("graph")
    .argument("<module>", "a module exporting a Pipe: ./pipe.ts or ./pipes.ts#name")
    .description("print the pipe's Mermaid diagram")
    .option("--json", "name, hash, Mermaid text and describe()")
    .action(action(graphModule));
  dashboardCommand(program, action);
  return program;
}
