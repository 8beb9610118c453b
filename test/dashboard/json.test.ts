import { describe, expect, it } from "vitest";
import { toDisplayJson, toJson } from "../../src/dashboard/json.js";

describe("the dashboard's JSON", () => {
  it("shows maps, sets, big integers, typed arrays and errors in a decoded state", () => {
    const state = {
      cache: new Map([["a", 1]]),
      tags: new Set(["x"]),
      big: 12n,
      bytes: new Uint8Array([1, 2]),
      at: new Date(0),
      error: new TypeError("bad"),
    };
    expect(JSON.parse(toDisplayJson(state))).toMatchObject({
      cache: { a: 1 },
      tags: ["x"],
      big: "12n",
      bytes: [1, 2],
      at: "1970-01-01T00:00:00.000Z",
      error: { name: "TypeError", message: "bad" },
    });
  });

  it("writes stored values plainly, and falls back when plain JSON cannot", () => {
    expect(toJson({ a: [1, "b"] })).toBe('{"a":[1,"b"]}');
    expect(toJson({ n: 1n })).toBe('{"n":"1n"}');
  });
});
