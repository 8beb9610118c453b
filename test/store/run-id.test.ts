import { describe, expect, it } from "vitest";
import { generateRunId } from "../../src/index.js";

describe("generateRunId", () => {
  it("makes 20 base32 characters, random from the first: 8 characters tell 10k runs apart", () => {
    const ids = Array.from({ length: 10_000 }, generateRunId);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9a-hjkmnp-tv-z]{20}$/);
    expect(new Set(ids.map((id) => id.slice(0, 8))).size).toBe(ids.length);
    const firstCharacters = new Set(ids.map((id) => id[0]));
    expect(firstCharacters.size).toBe(32);
  });
});
