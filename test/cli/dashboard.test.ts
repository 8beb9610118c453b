// `justpipe dashboard`: serves the dashboard over the store until interrupted.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fillStore, finished, start, temporaryDirectory } from "./support.js";

describe("dashboard", () => {
  it("serves the dashboard's API over the store and stops on SIGINT", async () => {
    const store = join(temporaryDirectory(), "dashboard.db");
    await fillStore(store);
    const child = start(["--store", store, "dashboard", "--port", "0"]);
    const done = finished(child);
    const url = await new Promise<string>((resolve, reject) => {
      let text = "";
      child.stdout!.on("data", (chunk) => {
        text += chunk;
        const match = /on (http:\/\/\S+) /.exec(text);
        if (match) resolve(match[1]!);
      });
      child.once("close", () => reject(new Error(`dashboard exited: ${text}`)));
    });
    const health = await fetch(new URL("api/health", url));
    expect(health.status).toBe(200);
    const runs = (await (await fetch(new URL("api/runs", url))).json()) as { total: number };
    expect(runs.total).toBe(4);
    child.kill("SIGINT");
    expect((await done).code).toBe(0);
  });
});
