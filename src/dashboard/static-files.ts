import { readFile, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * Serves the prebuilt single-page app from one folder. A path can never leave that folder
 * (`..`, encoded slashes, NUL bytes and absolute paths are refused); a path without a file
 * extension is a view of the app and gets `index.html` (client-side routing).
 */
export class StaticFiles {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  /** Answers `pathname`; returns false when it is not a file of the app (the caller sends 404). */
  async serve(pathname: string, response: ServerResponse, headOnly: boolean): Promise<boolean> {
    const file = this.#resolve(pathname);
    if (file === undefined) return false;
    const isFile = await stat(file).then(
      (info) => info.isFile(),
      () => false,
    );
    const target = isFile ? file : extname(pathname) === "" ? resolve(this.#root, "index.html") : undefined;
    if (target === undefined) return false;
    let body: Buffer;
    try {
      body = await readFile(target);
    } catch {
      return false;
    }
    const hashed = target.includes(`${sep}assets${sep}`);
    response.writeHead(200, {
      "content-type": CONTENT_TYPES[extname(target)] ?? "application/octet-stream",
      "content-length": body.length,
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    });
    response.end(headOnly ? undefined : body);
    return true;
  }

  #resolve(pathname: string): string | undefined {
    // An encoded separator is never part of an app path.
    if (/%(2f|5c)/i.test(pathname)) return undefined;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (decoded.includes("\0") || decoded.includes("\\") || !decoded.startsWith("/")) return undefined;
    if (decoded.split("/").some((part) => part === ".." || part === ".")) return undefined;
    const file = resolve(this.#root, `.${decoded}`);
    if (file !== this.#root && !file.startsWith(this.#root + sep)) return undefined;
    return file;
  }
}
