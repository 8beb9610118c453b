/**
 * Writes a pipeline's Mermaid diagram to `<name>.mmd` and, when Chromium is installed, renders it
 * to `<name>.svg` with Mermaid in headless Chromium.
 *
 *   npm run graph -- examples/visualization/rag-pipeline.ts
 *   npm run graph -- examples/visualization/rag-pipeline.ts --out docs --direction LR
 *
 * The module must export a Pipe as `pipe` or as its default export. `<name>` is the pipe's name.
 * Options: `--out <dir>` (default: the current directory), `--direction TD|TB|BT|LR|RL`,
 * `--no-svg`. Chromium is looked up at `$CHROMIUM_PATH`, then `/usr/bin/chromium`; without it
 * only the `.mmd` file is written. Nothing is downloaded: Mermaid comes from node_modules.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { GraphDirection, Pipe } from "../src/index.js";

const USAGE =
  "Usage: npm run graph -- <module exporting `pipe`> [--out <dir>] [--direction TD|LR|...] [--no-svg]";

const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: "string", default: "." },
      direction: { type: "string", default: "TD" },
      "no-svg": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [specifier] = positionals;
  if (values.help || specifier === undefined || positionals.length > 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const pipe = await loadPipe(specifier);
  const text = pipe.graph({ direction: values.direction as GraphDirection });
  const base = path.join(values.out, fileName(pipe.name));
  await mkdir(values.out, { recursive: true });
  await writeFile(`${base}.mmd`, text);
  console.log(`wrote ${base}.mmd`);
  if (values["no-svg"]) return 0;

  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    console.log(
      `SVG skipped: no Chromium at ${chromium}. Install it (Debian/Ubuntu: \`apt-get install chromium\`) ` +
        "or set CHROMIUM_PATH, then run this again. The .mmd file renders on GitHub and at mermaid.live as it is.",
    );
    return 0;
  }
  await writeFile(`${base}.svg`, await renderSvg(text, chromium));
  console.log(`wrote ${base}.svg`);
  return 0;
}

/** Imports a file path (relative to the current directory) or a module specifier. */
async function loadPipe(specifier: string): Promise<Pipe<any, any>> {
  const isFile = existsSync(specifier);
  if (!isFile && /^[./]|\.[cm]?[jt]sx?$/.test(specifier)) throw new Error(`No such file: ${specifier}`);
  const url = isFile ? pathToFileURL(path.resolve(specifier)).href : specifier;
  const module = (await import(url)) as { pipe?: unknown; default?: unknown };
  const candidate = module.pipe ?? module.default;
  if (typeof (candidate as Pipe | undefined)?.graph !== "function") {
    throw new Error(`${specifier} exports no Pipe: export it as \`pipe\` or as the default export.`);
  }
  return candidate as Pipe<any, any>;
}

/** A file name from a pipe name: anything but letters, digits, `.`, `_` and `-` becomes `-`. */
function fileName(name: string): string {
  return name.replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^[-.]+|-+$/g, "") || "pipe";
}

/** Renders Mermaid text to SVG in headless Chromium, with the Mermaid build from node_modules. */
async function renderSvg(text: string, executablePath: string): Promise<string> {
  const { chromium } = await import("playwright-core");
  const mermaidScript = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage();
    await page.setContent("<!doctype html><html><body></body></html>");
    await page.addScriptTag({ path: mermaidScript });
    return await page.evaluate(async (source) => {
      const { mermaid } = globalThis as unknown as {
        mermaid: {
          initialize(config: object): void;
          render(id: string, text: string): Promise<{ svg: string }>;
        };
      };
      // HTML labels (the default), as GitHub renders a mermaid block: SVG text labels would show
      // entity codes raw. A fixed seed makes the rough.js shapes, and so the file, reproducible.
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", handDrawnSeed: 1 });
      return (await mermaid.render("pipeline", source)).svg;
    }, text);
  } finally {
    await browser.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
