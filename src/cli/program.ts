/**
 * The `justpipe` command's grammar (commander): every command, option and help text. The actions
 * live in `commands/`, one module per command, imported only when that command runs: `--help`,
 * `--version` and a usage error never load the library, and `runs list` loads no Gantt chart.
 */
import { Command, Option } from "commander";
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

/**
 * An action whose module is imported when the command runs: `lazy(async () => await import("./x.js"), "run")`.
 * (Each command module is a chunk of its own in the build.)
 */
export function lazy<Module, Name extends keyof Module>(
  load: () => Promise<Module>,
  name: Name,
): (...args: unknown[]) => Promise<void> {
  return action(async (context, ...args) => {
    const run = (await load())[name] as (context: CommandContext, ...args: unknown[]) => Promise<void>;
    await run(context, ...args);
  });
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
    .action(lazy(async () => await import("./commands/runs-list.js"), "listRuns"));
  runs
    .command("show")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("one run: status, durations, failure, error stack, suspend, resume chain and its steps")
    .option("--json", "JSON for scripts")
    .action(lazy(async () => await import("./commands/runs-show.js"), "showRun"));
  runs
    .command("events")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("a run's events; --follow tails a run that is still going")
    .option("--type <type>", "only events of this type (repeat or comma-separate)", collect)
    .option("--step <step>", "only events of this step (repeat or comma-separate)", collect)
    .option("-f, --follow", "keep printing events as they are stored until the run finishes")
    .option("--interval <ms>", "how often --follow looks for new events", "200")
    .option("--json", "JSON (with --follow: one event per line)")
    .action(lazy(async () => await import("./commands/runs-events.js"), "showEvents"));
  runs
    .command("timeline")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("a Gantt chart of the run's steps on a shared time axis")
    .option("--width <columns>", "the chart's width (default: the terminal's)")
    .option("--json", "the timeline model as JSON")
    .action(lazy(async () => await import("./commands/runs-timeline.js"), "showTimeline"));
  runs
    .command("compare")
    .argument("<a>", "the baseline run (id or prefix)")
    .argument("<b>", "the run to compare with it")
    .description("per step: status and duration side by side, steps only in one run, a verdict")
    .option("--json", "the comparison as JSON")
    .action(lazy(async () => await import("./commands/runs-compare.js"), "showComparison"));
  runs
    .command("stats")
    .description("per pipe and per step: runs, success rate, p50/p95 durations, common failures")
    .option("--pipe <name>", "only this pipe")
    .option("--since <age|date>", "runs that started within this age or since this date", "7d")
    .option("--limit <n>", "at most this many of the newest runs", "10000")
    .option("--json", "JSON for scripts")
    .action(lazy(async () => await import("./commands/runs-stats.js"), "showStats"));
  runs
    .command("export")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("the run and its events as JSON (or JSON lines)")
    .addOption(
      new Option("--format <format>", "json: one document; jsonl: one line per record")
        .choices(["json", "jsonl"])
        .default("json"),
    )
    .action(lazy(async () => await import("./commands/runs-export.js"), "exportRun"));
  runs
    .command("prune")
    .description("delete old runs (asks first on a terminal)")
    .requiredOption("--older-than <age|date>", "runs that started before this age (30d, 12h) or date")
    .option("--status <status>", "only runs with this status (repeat or comma-separate)", collect)
    .option("--pipe <name>", "only runs of this pipe")
    .option("--dry-run", "count what would be deleted, delete nothing")
    .option("-y, --yes", "do not ask (for scripts)")
    .option("--json", "JSON for scripts")
    .action(lazy(async () => await import("./commands/runs-prune.js"), "pruneRuns"));

  program
    .command("pipelines")
    .argument("[name]", "a pipe name (or hash prefix): print its Mermaid graph")
    .description("the pipelines in the store: name, hash, runs, last run")
    .option("--json", "JSON for scripts")
    .action(lazy(async () => await import("./commands/pipelines.js"), "showPipelines"));
  program
    .command("run")
    .argument("<module>", "a module exporting a Pipe: ./pipe.ts (default export) or ./pipes.ts#name")
    .description("run a pipe from a module and store the run; tokens go to stdout")
    .option("--state <json|@file>", "the initial state as JSON, or @file.json", undefined)
    .option("--run-id <id>", "the run's id (default: a random one)")
    .option("-q, --quiet", "no progress or summary on stderr unless the run fails")
    .option("--json", "print { runId, status, end } at the end instead of tokens")
    .action(lazy(async () => await import("./commands/run.js"), "runModule"));
  program
    .command("resume")
    .argument("<id>", "a run id or a unique prefix of one")
    .description("resume a suspended (or failed, with --retry-failed) run")
    .option("--input <json|@file>", "a partial state merged into the restored state")
    .option("--module <module>", "the module of its pipe (default: the one `justpipe run` recorded)")
    .option("--retry-failed", "resume a failed, timed-out or cancelled run")
    .option("-q, --quiet", "no progress or summary on stderr unless the run fails")
    .option("--json", "print { runId, status, end } at the end instead of tokens")
    .action(lazy(async () => await import("./commands/resume.js"), "resumeRun"));
  program
    .command("graph")
    .argument("<module>", "a module exporting a Pipe: ./pipe.ts or ./pipes.ts#name")
    .description("print the pipe's Mermaid diagram")
    .option("--json", "name, hash, Mermaid text and describe()")
    .action(lazy(async () => await import("./commands/graph.js"), "graphModule"));
  program
    .command("dashboard")
    .description("serve the web dashboard over the store")
    .option("--port <port>", "the port", "4545")
    .option("--host <host>", "the interface to listen on", "127.0.0.1")
    .option("--token [token]", "require this bearer token (without a value: a random one, printed)")
    .action(lazy(async () => await import("./commands/dashboard.js"), "startDashboardCommand"));
  return program;
}
