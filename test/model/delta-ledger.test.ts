import { describe, expect, it } from "vitest";
import { StateConflictError } from "../../src/errors/execution.js";
import { DeltaLedger } from "../../src/model/delta-ledger.js";
import { diffState } from "../../src/model/state-delta.js";

/** Runs `change` on a copy of `state` and returns its delta (what an isolated invocation does). */
function changeOf<S>(state: S, change: (copy: S) => void) {
  const copy = structuredClone(state);
  change(copy);
  return diffState(state, copy);
}

describe("DeltaLedger", () => {
  it("applies concurrent writes to different keys in completion order", () => {
    const state = { results: {} as Record<string, number> };
    const ledger = new DeltaLedger();
    const first = ledger.begin();
    const second = ledger.begin();
    const a = changeOf(state, (s) => {
      s.results.a = 1;
    });
    const b = changeOf(state, (s) => {
      s.results.b = 2;
    });
    ledger.commit(second, "b", state, b);
    ledger.commit(first, "a", state, a);
    expect(Object.keys(state.results)).toEqual(["b", "a"]);
  });

  it("refuses the second of two concurrent writes to one path, naming both", () => {
    const state = { summary: "" };
    const ledger = new DeltaLedger();
    const first = ledger.begin();
    const second = ledger.begin();
    ledger.commit(
      first,
      "left",
      state,
      changeOf(state, (s) => {
        s.summary = "left";
      }),
    );
    const error = (() => {
      try {
        ledger.commit(
          second,
          "right",
          state,
          changeOf(state, (s) => {
            s.summary = "right";
          }),
        );
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(StateConflictError);
    expect((error as Error).message).toMatch(/Step 'right' changed state\.summary/);
    expect(state.summary).toBe("left");
  });

  it("counts a write inside a path another wrote as a conflict", () => {
    const state = { doc: { title: "", body: "" } };
    const ledger = new DeltaLedger();
    const first = ledger.begin();
    const second = ledger.begin();
    ledger.commit(
      first,
      "replace",
      state,
      changeOf(state, (s) => {
        s.doc = { title: "t", body: "b" };
      }),
    );
    expect(() =>
      ledger.commit(
        second,
        "edit",
        state,
        changeOf(state, (s) => {
          s.doc.title = "x";
        }),
      ),
    ).toThrow(StateConflictError);
  });

  it("keeps both appends to one array", () => {
    const state = { log: [0] };
    const ledger = new DeltaLedger();
    const first = ledger.begin();
    const second = ledger.begin();
    ledger.commit(
      first,
      "a",
      state,
      changeOf(state, (s) => {
        s.log.push(1);
      }),
    );
    ledger.commit(
      second,
      "b",
      state,
      changeOf(state, (s) => {
        s.log.push(2);
      }),
    );
    expect(state.log).toEqual([0, 1, 2]);
  });

  it("does not count writes that happened before the copy was taken", () => {
    const state = { n: 0 };
    const ledger = new DeltaLedger();
    ledger.commit(
      ledger.begin(),
      "first",
      state,
      changeOf(state, (s) => {
        s.n = 1;
      }),
    );
    const later = ledger.begin();
    ledger.commit(
      later,
      "second",
      state,
      changeOf(state, (s) => {
        s.n = 2;
      }),
    );
    expect(state.n).toBe(2);
  });

  it("applies the later change over the earlier with last-writer-wins", () => {
    const state = { summary: "" };
    const ledger = new DeltaLedger("last-writer-wins");
    const first = ledger.begin();
    const second = ledger.begin();
    ledger.commit(
      first,
      "left",
      state,
      changeOf(state, (s) => {
        s.summary = "left";
      }),
    );
    ledger.commit(
      second,
      "right",
      state,
      changeOf(state, (s) => {
        s.summary = "right";
      }),
    );
    expect(state.summary).toBe("right");
  });

  it("keeps only the entries open tickets can still conflict with", () => {
    const state = { results: {} as Record<number, number> };
    const ledger = new DeltaLedger();
    const open: number[] = [];
    for (let i = 0; i < 1000; i++) {
      open.push(ledger.begin());
      if (open.length === 16) {
        const ticket = open.shift()!;
        ledger.commit(
          ticket,
          "each",
          state,
          changeOf({ results: {} }, (s: { results: Record<number, number> }) => {
            s.results[i] = i;
          }),
        );
      }
      expect(ledger.retained).toBeLessThanOrEqual(16);
    }
    for (const ticket of open) ledger.release(ticket);
    expect(ledger.retained).toBe(0);
  });
});
