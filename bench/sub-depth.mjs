// Deeply nested sub-pipelines: a chain of N levels, each a pipe whose one step is a sub step
// running the level below, with one plain step at the bottom (issue 13, item 2). Each depth runs
// once, in a fresh process, and prints the run's status, its events, wall and CPU time and the heap.
//
//   node bench/sub-depth.mjs                 depths 50, 200, 500, 1000 (after `npm run build`)
//   node bench/sub-depth.mjs 100 2000        other depths
//   JUSTPIPE=/path/to/dist/index.js          another build (the default is this repository's dist/)
//   VALGRIND=1 node bench/sub-depth.mjs      instruction counts (cachegrind) instead of times
//
// A depth the build refuses prints its DefinitionError. Validation (`validate()`) is timed apart
// from the run.
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

const childIndex = process.argv.indexOf("--child");
if (childIndex >= 0) {
  const depth = Number(process.argv[childIndex + 1]);
  const here = fileURLToPath(new URL("../dist/index.js", import.meta.url));
  const { Pipe } = await import(pathToFileURL(process.env.JUSTPIPE ?? here).href);
  let inner = new Pipe({ name: "level0" });
  inner.step("leaf", () => {});
  for (let level = 1; level <= depth; level++) {
    const outer = new Pipe({ name: `level${level}` });
    outer.sub("down", (args) => args.state, { pipeline: inner });
    inner = outer;
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let validated = "ok";
  try {
    inner.validate();
  } catch (error) {
    validated = `${error.name}: ${String(error.message).slice(0, 160)}`;
  }
  const t1 = performance.now();
  let events = 0;
  let status = "(none)";
  let failure = "";
  if (validated === "ok") {
    try {
      for await (const event of inner.run({})) {
        events++;
        if (event.type === "finish" && event.parentRunId === null) status = event.payload.status;
      }
    } catch (error) {
      failure = `${error.name}: ${String(error.message).slice(0, 160)}`;
    }
  }
  const t2 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      depth,
      validated,
      status,
      failure,
      events,
      validateMs: Math.round(t1 - t0),
      runMs: Math.round(t2 - t1),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    }),
  );
  process.exit(0);
}

const depths = process.argv.slice(2).map(Number).filter(Number.isFinite);
const script = fileURLToPath(import.meta.url);
for (const depth of depths.length > 0 ? depths : [50, 200, 500, 1000]) {
  const node = [process.execPath, "--single-threaded", script, "--child", String(depth)];
  const valgrind = process.env.VALGRIND === "1";
  const [command, ...args] = valgrind
    ? ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", ...node]
    : node;
  const child = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const line = child.stdout.trim().split("\n").at(-1);
  if (child.status === 0 && line) {
    const result = JSON.parse(line);
    const refs = /I\s+refs:\s+([\d,]+)/.exec(child.stderr);
    if (refs) result.instructions = Number(refs[1].replaceAll(",", ""));
    console.log(JSON.stringify(result));
  } else {
    // A crash (V8's fatal errors, a signal) is a result too.
    const stderr = child.stderr.split("\n").filter(Boolean).slice(-3).join(" | ").slice(0, 400);
    console.log(JSON.stringify({ depth, crashed: `exit ${child.status} ${child.signal ?? ""}`, stderr }));
  }
}
