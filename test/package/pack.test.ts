/**
 * Installing from a checkout works: a copy of the repository without dist/ (as a clone is) packs
 * into a tarball that has dist/ (the `prepare` script builds it), and that tarball installs
 * offline into a fresh project whose code imports justpipe, justpipe/http and justpipe/testing, and
 * serves the prebuilt dashboard app from justpipe/dashboard.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const work = mkdtempSync(path.join(tmpdir(), "justpipe-pack-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CONSUMER = `
import { Pipe } from "justpipe";
import { toReadableStream } from "justpipe/http";
import { TestPipe } from "justpipe/testing";
import { MemoryStore } from "justpipe";
import { startDashboard } from "justpipe/dashboard";

const pipe = new Pipe({ name: "packed" });
pipe.step("hello", async function* () { yield "hello from the tarball"; });
const { tokens, end } = await pipe.invoke({});
const body = await new Response(toReadableStream(pipe.run({}), { format: "ndjson", events: "tokens" })).text();
const dashboard = await startDashboard({ store: new MemoryStore(), port: 0 });
const page = await (await fetch(dashboard.url)).text();
await dashboard.close();
console.log(tokens[0], end.status, body.split("\\n").length - 1, typeof TestPipe, page.includes('src="/assets/'));
`;

it("npm pack of a checkout without dist/ gives a tarball with dist/ that installs offline and runs", {
  timeout: 180_000,
}, async () => {
  const checkout = path.join(work, "checkout");
  mkdirSync(checkout);
  for (const entry of [
    "package.json",
    "README.md",
    "src",
    "dashboard",
    "scripts",
    "tsconfig.json",
    "tsconfig.build.json",
  ]) {
    cpSync(path.join(root, entry), path.join(checkout, entry), { recursive: true });
  }
  symlinkSync(path.join(root, "node_modules"), path.join(checkout, "node_modules"), "dir");

  const packed = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: checkout });
  const [tarball] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as {
    filename: string;
    files: { path: string }[];
  }[];
  const files = tarball!.files.map((file) => file.path);
  for (const file of [
    "dist/index.js",
    "dist/index.d.ts",
    "dist/http/index.js",
    "dist/testing/index.js",
    "dist/dashboard/index.js",
    "dist/dashboard/app/index.html",
  ]) {
    expect(files).toContain(file);
  }

  const consumer = path.join(work, "consumer");
  mkdirSync(consumer);
  writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  writeFileSync(path.join(consumer, "main.js"), CONSUMER);
  await run("npm", ["install", path.join(work, tarball!.filename), "--offline", "--no-audit", "--no-fund"], {
    cwd: consumer,
  });
  const output = await run(process.execPath, ["main.js"], { cwd: consumer });
  expect(output.stdout).toBe("hello from the tarball success 2 function true\n");
});
