// Times the built `justpipe` command as a user runs it: a fresh process per call, the median of
// REPS calls (wall time, spawn to exit), next to a bare `node -e ""` on the same machine.
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
  const samples = [];
  for (let rep = 0; rep < REPS; rep++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, argv, {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${argv.join(" ")} exited ${result.status}: ${result.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples.at(-1) };
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
console.log("| command | median | min | max |\n|---|---|---|---|");
for (const row of rows)
  console.log(
    `| ${row.name} | ${row.median.toFixed(0)} ms | ${row.min.toFixed(0)} ms | ${row.max.toFixed(0)} ms |`,
  );
