// `run`, `graph`, `prune`, `runs events --follow` and the error cases, as the built `justpipe`.
import { spawn } from "node:child_process";
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  childEnv,
  FIXTURES,
  fillStore,
  finished,
  justpipe,
  normalize,
  type Result,
  RUNS,
  start,
  temporaryDirectory,
} from "./support.js";

let directory: string;
let filled: string;

beforeAll(async () => {
  directory = temporaryDirectory();
  filled = join(directory, "filled.db");
  await fillStore(filled);
}, 60_000);

/** A copy of the filled store that a test may change. */
function copyOfStore(name: string): string {
  const path = join(directory, name);
  copyFileSync(filled, path);
  return path;
}

describe("run", () => {
  it("streams tokens to stdout, stores the run with its module, and exits 0", async () => {
    const store = join(directory, "run.db");
    const result = await justpipe([
      "--store",
      store,
      "run",
      join(FIXTURES, "pipes.mjs"),
      "--run-id",
      "first-run",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Hello, world\n");
    expect(result.stderr).toBe("success in 280 ms  run first-run\n");
    const shown = JSON.parse(
      (await justpipe(["--store", store, "runs", "show", "first-run", "--json"])).stdout,
    );
    expect(shown.run).toMatchObject({ status: "success", labels: { module: join(FIXTURES, "pipes.mjs") } });
  });

  it("exits 1 when the run fails or suspends, and says where", async () => {
    const store = join(directory, "run-fail.db");
    const pipes = join(FIXTURES, "pipes.mjs");
    const failed = await justpipe(["--store", store, "run", pipes, "--state", '{"fail":"always"}']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^failed at answer: model unavailable \(503\) in 380 ms {2}run [0-9a-z]{20}\n$/,
    );
    const suspended = await justpipe(["--store", store, "run", `${pipes}#approval`, "--json"]);
    expect(suspended.code).toBe(1);
    expect(JSON.parse(suspended.stdout)).toMatchObject({ status: "suspended", end: { status: "suspended" } });
  });

  it("takes the state from a file with --state @file.json", async () => {
    const state = join(directory, "state.json");
    writeFileSync(state, '{"fail":"always"}');
    const result = await justpipe([
      "--store",
      join(directory, "run-file.db"),
      "run",
      join(FIXTURES, "pipes.mjs"),
      "--state",
      `@${state}`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("failed at answer");
  });

  it("refuses invalid --state JSON, a module without that Pipe export, and a missing module in one line", async () => {
    const store = join(directory, "run-errors.db");
    const pipes = join(FIXTURES, "pipes.mjs");
    const json = await justpipe(["--store", store, "run", pipes, "--state", "{fail:"]);
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/^justpipe: --state: the value is not valid JSON \(.+\)\n$/);
    const notPipe = await justpipe(["--store", store, "run", `${pipes}#notAPipe`]);
    expect(notPipe.code).toBe(1);
    expect(notPipe.stderr).toBe(
      `justpipe: export "notAPipe" of ${pipes} is not a Pipe\nPipe exports: approval\n`,
    );
    const missing = await justpipe(["--store", store, "run", join(directory, "nope.mjs")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.split("\n")[0]).toContain("cannot find module");
    expect(missing.stderr).not.toContain("    at ");
  });
});

describe("TypeScript modules", () => {
  it("runs a .ts module's named Pipe through tsx, with the state from --state", async () => {
    const store = join(directory, "typed.db");
    const result = await justpipe([
      "--store",
      store,
      "run",
      `${join(FIXTURES, "typed.ts")}#greeting`,
      "--state",
      '{"name":"Ada"}',
      "-q",
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("Hello, Ada!\n");
    const graph = await justpipe(["graph", `${join(FIXTURES, "typed.ts")}#greeting`]);
    expect(graph.stdout).toContain("graph TD");
  });
});

describe("graph", () => {
  it("prints the module's Mermaid text, and JSON with --json", async () => {
    const result = await justpipe(["graph", `${join(FIXTURES, "pipes.mjs")}#approval`]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatchSnapshot();
    const json = JSON.parse((await justpipe(["graph", join(FIXTURES, "pipes.mjs"), "--json"])).stdout);
    expect(json).toMatchObject({ name: "ingest", mermaid: expect.stringContaining("graph TD") });
  });
});

describe("runs prune", () => {
  it("counts with --dry-run, refuses without --yes when not on a terminal, deletes with --yes", async () => {
    const store = copyOfStore("prune.db");
    const dry = await justpipe(["--store", store, "runs", "prune", "--older-than", "50m", "--dry-run"]);
    expect(dry.stdout).toBe("Would delete 3 runs started before 2026-12-07T09:10:00.000Z.\n");
    const refused = await justpipe(["--store", store, "runs", "prune", "--older-than", "50m"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("pass --yes");
    const failedOnly = await justpipe([
      "--store",
      store,
      "runs",
      "prune",
      "--older-than",
      "50m",
      "--status",
      "failed",
      "--yes",
      "--json",
    ]);
    expect(JSON.parse(failedOnly.stdout)).toEqual({ deleted: 1, olderThan: "2026-12-07T09:10:00.000Z" });
    const rest = await justpipe(["--store", store, "runs", "prune", "--older-than", "50m", "--yes"]);
    expect(rest.stdout).toBe("Deleted 2 runs started before 2026-12-07T09:10:00.000Z.\n");
    const left = JSON.parse((await justpipe(["--store", store, "runs", "list", "--json"])).stdout);
    expect(left.map((run: { runId: string }) => run.runId)).toEqual([RUNS.slower]);
    expect((await justpipe(["--store", store, "runs", "prune"])).code).toBe(2);
  });
});

/** Runs the command on a pseudo-terminal (util-linux `script`), typing `input`. */
function onTerminal(args: readonly string[], input: string): Promise<Result> {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part}'`).join(" ");
  return finished(spawn("script", ["-qec", command, "/dev/null"], { env: childEnv(), stdio: "pipe" }), input);
}

describe("run on a terminal", () => {
  it("shows each step as it starts and ends, retries included, then the summary", async () => {
    const store = join(directory, "run-terminal.db");
    const result = await onTerminal(
      [
        "--store",
        store,
        "run",
        join(FIXTURES, "pipes.mjs"),
        "--state",
        '{"fail":"once"}',
        "--run-id",
        "tty-run-1",
      ],
      "",
    );
    // Coloured on a terminal: the test reads the text.
    const lines = result.stdout
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing ANSI colour codes
      .replace(/\u001b\[[0-9;]*m|\r/g, "")
      .trimEnd()
      .split("\n");
    expect(lines).toEqual([
      "▸ load",
      "✓ load 40 ms",
      "▸ embed",
      "✓ embed 140 ms, 3 items",
      "▸ answer",
      "✗ answer: model unavailable (503) (retrying)",
      "▸ answer (attempt 2)",
      "Hello, world",
      "✓ answer 100 ms",
      "success in 380 ms  run tty-run-1",
    ]);
  });
});

describe("runs prune on a terminal", () => {
  it("asks before deleting and deletes nothing unless the answer is yes", async () => {
    const store = copyOfStore("prune-terminal.db");
    const declined = await onTerminal(["--store", store, "runs", "prune", "--older-than", "50m"], "n\n");
    expect(declined.stdout).toContain("Delete 3 runs started before 2026-12-07T09:10:00.000Z? [y/N]");
    expect(declined.stdout).toContain("Nothing deleted.");
    const accepted = await onTerminal(["--store", store, "runs", "prune", "--older-than", "50m"], "y\n");
    expect(accepted.stdout).toContain("Deleted 3 runs started before 2026-12-07T09:10:00.000Z.");
    const left = JSON.parse((await justpipe(["--store", store, "runs", "list", "--json"])).stdout);
    expect(left.map((run: { runId: string }) => run.runId)).toEqual([RUNS.slower]);
  });
});

describe("runs events --follow", () => {
  it("tails a run another process is writing and exits when it finishes", async () => {
    const store = join(directory, "follow.db");
    const gate = join(directory, "follow.gate");
    const writer = start(["--store", store, "run", join(FIXTURES, "slow.mjs"), "--run-id", "slow-run-1"], {
      SLOW_GATE: gate,
    });
    const written = finished(writer);
    // Wait until the writer has stored the run: it then waits in its step "second" for the gate.
    let status: string | undefined;
    while (status === undefined) {
      if (writer.exitCode !== null) throw new Error(`the writer exited early: ${(await written).stderr}`);
      const shown = await justpipe(["--store", store, "runs", "show", "slow-run-1", "--json"]);
      if (shown.code === 0) status = JSON.parse(shown.stdout).run.status;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status).toBe("running");
    const follower = start(["--store", store, "runs", "events", "slow-run-1", "--follow", "--json"]);
    const followed = finished(follower);
    // Once the follower has printed the events stored so far (up to "second" starting), the run
    // goes on: what it prints after that it can only have read while following.
    let printed = "";
    follower.stdout!.on("data", (chunk) => (printed += chunk));
    const startedSecond = () =>
      printed
        .split("\n")
        .filter((line) => line.endsWith("}"))
        .some((line) => {
          const event = JSON.parse(line);
          return event.type === "step_start" && event.stage === "second";
        });
    while (!startedSecond()) {
      if (follower.exitCode !== null)
        throw new Error(`the follower exited early: ${(await followed).stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(printed).not.toContain('"finish"');
    writeFileSync(gate, "");
    const [writerResult, followerResult] = await Promise.all([written, followed]);
    expect(writerResult.code).toBe(0);
    expect(followerResult.code).toBe(0);
    const types = followerResult.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).type);
    expect(types).toEqual([
      "start",
      "step_start",
      "step_end",
      "step_start",
      "token",
      "step_end",
      "step_start",
      "step_end",
      "finish",
    ]);
  });
});

describe("errors", () => {
  it("says where it looked when there is no store, and how to make one", async () => {
    const result = await justpipe(["runs", "list"], {}, { cwd: directory });
    expect(result.code).toBe(1);
    expect(normalize(result.stderr, { [directory]: "<dir>" })).toMatchSnapshot();
    const fromEnv = await justpipe(["runs", "list"], { JUSTPIPE_STORE: join(directory, "missing.db") });
    expect(fromEnv.stderr.split("\n")[0]).toBe(
      `justpipe: no store at ${join(directory, "missing.db")} (from JUSTPIPE_STORE)`,
    );
  });

  it("reports a file that is not a database in one line", async () => {
    const corrupt = join(directory, "corrupt.db");
    writeFileSync(corrupt, "this is not a database, just text ".repeat(200));
    const result = await justpipe(["--store", corrupt, "runs", "list"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `justpipe: ${corrupt} is not a justpipe store (the file is not a SQLite database or is corrupt)\n`,
    );
  });

  it("reports an unreachable Postgres in one line", async () => {
    const result = await justpipe(["--store", "postgres://justpipe:secret@127.0.0.1:1/none", "runs", "list"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("cannot reach Postgres at postgres://justpipe:***@127.0.0.1:1/none");
    expect(result.stderr).not.toContain("secret");
  });

  it("exits 2 on usage errors: unknown command, missing argument, unknown option", async () => {
    for (const args of [
      ["runs", "lsit"],
      ["runs", "show"],
      ["runs", "list", "--colour"],
    ]) {
      const result = await justpipe(["--store", filled, ...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/^error: /);
    }
  });

  it("reports a locked database in one line", async () => {
    const store = copyOfStore("locked.db");
    const locker = spawn(process.execPath, [join(FIXTURES, "lock.mjs"), store], { stdio: "pipe" });
    await new Promise((resolve) => locker.stdout.once("data", resolve));
    try {
      const result = await justpipe(["--store", store, "runs", "list"], { JUSTPIPE_BUSY_TIMEOUT: "50" });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        `justpipe: ${store} is locked by another process; try again when it is done\n`,
      );
    } finally {
      locker.stdin.end();
      await new Promise((resolve) => locker.once("close", resolve));
    }
  });

  it("prints the stack of what went wrong only with --debug", async () => {
    const broken = join(FIXTURES, "broken.mjs");
    const quiet = await justpipe(["graph", broken]);
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe(`justpipe: cannot load ${broken}: broken at import\n`);
    const debug = await justpipe(["--debug", "graph", broken]);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain(`broken.mjs:2`);
  });
});

describe("packaging", () => {
  it("is the package's bin, an executable file whose commands load on use, and the library entries never load its parser or colours", () => {
    const packageJson = JSON.parse(readFileSync("package.json", "utf8"));
    expect(packageJson.bin).toEqual({ justpipe: "./dist/cli/index.js" });
    expect(Object.keys(packageJson.dependencies ?? {})).not.toContain("commander");
    expect(Object.keys(packageJson.dependencies ?? {})).not.toContain("picocolors");
    expect(readFileSync("dist/cli/index.js", "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    const library = [
      ...readdirSync("dist")
        .filter((name) => name.endsWith(".js"))
        .map((name) => join("dist", name)),
      ...readdirSync("dist/chunks")
        .filter((name) => name.endsWith(".js"))
        .map((name) => join("dist/chunks", name)),
    ];
    expect(library.length).toBeGreaterThan(1);
    for (const file of library) expect(readFileSync(file, "utf8"), file).not.toMatch(/commander|picocolors/);
  });
});
