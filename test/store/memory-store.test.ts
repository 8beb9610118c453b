import { describe, expect, it } from "vitest";
import { MemoryStore, StoreError } from "../../src/index.js";
import { storeContract } from "./contract.js";
import { makeEvent, makeRun } from "./fixtures.js";

storeContract("MemoryStore", async (now) => {
  const store = new MemoryStore({ now });
  return { store, dispose: () => store.close() };
});

describe("MemoryStore", () => {
  it("refuses a payload that is not JSON-safe, as a database would", async () => {
    const store = new MemoryStore();
    await store.createRun(makeRun({ runId: "x" }));
    await expect(store.write({ events: [makeEvent("x", 1, { payload: { n: 1n } })] })).rejects.toThrow(
      StoreError,
    );
    expect(await store.getEvents("x")).toEqual([]);
  });

  it("returns copies: changing what it returned changes nothing stored", async () => {
    const store = new MemoryStore();
    await store.createRun(makeRun({ runId: "x", labels: { a: "1" } }));
    const run = await store.getRun("x");
    (run!.labels as Record<string, string>).a = "changed";
    expect((await store.getRun("x"))?.labels).toEqual({ a: "1" });
  });
});
