// Type-checks a user's code (test/declarations/consumer.ts) against the BUILT declarations in
// dist/, with TypeScript 6 (`typescript`) and TypeScript 7 (`typescript7`, the native port,
// installed under an npm alias). Run after `npm run build`; `npm run check:package` does.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

if (!existsSync("dist/index.d.ts")) {
  console.error("check-declarations: dist/ is missing; run `npm run build` first.");
  process.exit(1);
}
for (const [label, tsc] of [
  ["TypeScript 6", "node_modules/typescript/bin/tsc"],
  ["TypeScript 7", "node_modules/typescript7/bin/tsc"],
]) {
  const version = execFileSync(process.execPath, [tsc, "--version"], { encoding: "utf8" }).trim();
  try {
    execFileSync(process.execPath, [tsc, "-p", "test/declarations/tsconfig.json"], { stdio: "inherit" });
  } catch {
    console.error(`check-declarations: ${label} (${version}) found errors in test/declarations/consumer.ts`);
    process.exit(1);
  }
  console.log(`check-declarations: ${label} (${version}) accepts the built declarations`);
}
