// Where `justpipe runs list` spends its time inside the process: loading the SQLite store,
// opening it, and the query itself (run after `npm run build` and generate.mjs).
//
//   node bench/cli/phases.mjs [store.db]
const path = process.argv[2] ?? "/tmp/justpipe-cli-bench.db";
const t0 = performance.now();
const { SqliteStore } = await import("../../dist/sqlite/index.js");
const t1 = performance.now();
const store = new SqliteStore({ path });
await store.init();
const t2 = performance.now();
await store.listRuns({ limit: 20 });
const t3 = performance.now();
await store.close();
console.log(
  `import justpipe/sqlite ${(t1 - t0).toFixed(0)} ms, init ${(t2 - t1).toFixed(0)} ms, listRuns(20) ${(t3 - t2).toFixed(0)} ms`,
);
