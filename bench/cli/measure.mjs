// Times the built `justpipe` command as a user runs it: a fresh process per call, the median of
// REPS calls, next to a bare `node -e ""` on the same machine. Wall time (spawn to exit) is what
// a user waits; CPU time (user + system, from /usr/bin/time) is what the process itself costs,
// which a busy shared machine inflates much less.
//
//   npm run build && node bench/cli/generate.mjs && node bench/cli/measure.mjs [store.db] [--reps 15]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";

const args = process.argv.slice(2);
const store = args[0] && !args[0].startsWith("--") ? args[0] : "/tmp/justpipe-cli-bench.db";
const repsIndex = args.indexOf("--reps");
const REPS = repsIndex === -1 ? 15 : Number(args[repsIndex + 1]);
const CLI = "dist/cli/index.js";

function time(argv) {
  const walls = [];
  const cpus = [];
  for (let rep = 0; rep < REPS; rep++) {
    const start = process.hrtime.bigint();
    const result = spawnSync("/usr/bin/time", ["-f", "cpu %U %S", process.execPath, ...argv], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    walls.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
    const [, user, system] = /cpu ([\d.]+) ([\d.]+)/.exec(result.stderr) ?? [];
    cpus.push((Number(user) + Number(system)) * 1000);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { median: median(walls), min: Math.min(...walls), cpu: median(cpus) };
}

const cases = [
  ['node -e "" (Node\'s own start-up)', ["-e", ""]],
  ["justpipe --version (start-up)", [CLI, "--version"]],
  ["justpipe --help", [CLI, "--help"]],
  ["justpipe runs list", [CLI, "--store", store, "runs", "list"]],
  [
    "justpipe runs list --status failed --pipe ingest --since 1d",
    [CLI, "--store", store, "runs", "list", "--status", "failed", "--pipe", "ingest", "--since", "1d"],
  ],
  [
    "justpipe runs show <run of 100,000 events>",
    [CLI, "--store", store, "runs", "show", "bigrun00000000000001"],
  ],
  [
    "justpipe runs events <run of 100,000 events> --type step_error",
    [CLI, "--store", store, "runs", "events", "bigrun00000000000001", "--type", "step_error"],
  ],
];
const rows = [];
for (const [name, argv] of cases) {
  const result = time(argv);
  rows.push({ name, ...result });
  process.stderr.write(`${name}: ${result.median.toFixed(0)} ms\n`);
}
console.log(
  `store ${store}, ${REPS} fresh processes each, Node ${process.version}, load average ${loadavg()
    .map((load) => load.toFixed(1))
    .join(" ")}`,
);
console.log("| command | wall, median | wall, min | CPU, median |\n|---|---|---|---|");
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.median.toFixed(0)} ms | ${row.min.toFixed(0)} ms | ${row.cpu.toFixed(0)} ms |`,
  );
}
