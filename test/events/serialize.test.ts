import { describe, expect, it } from "vitest";
import { EventType, Pipe, type PipeEvent, serializeError, toJsonEvent } from "../../src/index.js";
import { collect } from "../helpers.js";

class QuotaError extends Error {
  readonly code = "QUOTA";
  readonly retryAfterMs = 250;
}

async function failingRun(): Promise<PipeEvent[]> {
  const pipe = new Pipe({ name: "serialize" });
  pipe.step("call", () => {
    throw new QuotaError("quota exceeded", { cause: new TypeError("socket hang up") });
  });
  return collect(pipe.run({}));
}

describe("event serialisation", () => {
  it("loses the thrown error in plain JSON.stringify (why toJsonEvent exists)", async () => {
    const finish = (await failingRun()).at(-1)!;
    expect(finish.type).toBe(EventType.FINISH);
    const plain = JSON.parse(JSON.stringify(finish));
    expect(plain.payload.errors[0].cause).not.toHaveProperty("message");
    expect(plain.payload.errors[0].cause).not.toHaveProperty("stack");
  });

  it("serialises FINISH errors[].cause and STEP_ERROR's error with name, message, stack, code and cause", async () => {
    const events = await failingRun();
    const finish = JSON.parse(JSON.stringify(toJsonEvent(events.at(-1)!)));
    const cause = finish.payload.errors[0].cause;
    expect(cause).toMatchObject({ name: "QuotaError", message: "quota exceeded", code: "QUOTA" });
    expect(cause.stack).toContain("quota exceeded");
    expect(cause.cause).toMatchObject({ name: "TypeError", message: "socket hang up" });
    expect(cause.details).toEqual({ retryAfterMs: 250 });

    const stepError = events.find((e) => e.type === EventType.STEP_ERROR)!;
    const json = JSON.parse(JSON.stringify(toJsonEvent(stepError)));
    expect(json.payload.error).toMatchObject({ name: "QuotaError", message: "quota exceeded" });
    expect(json).toMatchObject({
      type: "step_error",
      stage: "call",
      seq: stepError.seq,
      runId: stepError.runId,
    });
  });

  it("leaves the live event untouched", async () => {
    const events = await failingRun();
    const finish = events.at(-1)!;
    toJsonEvent(finish);
    if (finish.type !== EventType.FINISH) throw new Error("expected FINISH");
    expect(finish.payload.errors[0]!.cause).toBeInstanceOf(QuotaError);
  });

  it("is cycle-safe: an error that is its own cause, and state that contains itself", () => {
    const error = new Error("loop") as Error & { cause?: unknown };
    error.cause = error;
    const serialized = serializeError(error);
    expect(serialized.cause).toMatchObject({ name: "Circular", message: "[Circular]" });

    const state: Record<string, unknown> = { name: "s" };
    state.self = state;
    const start = toJsonEvent({ ...fakeEvent(), type: "start", payload: state } as PipeEvent);
    expect(JSON.parse(JSON.stringify(start)).payload).toEqual({ name: "s", self: "[Circular]" });
  });

  it("keeps an own __proto__ key (state, Map keys, error details) as a key, never as the prototype", () => {
    const state = JSON.parse('{"":{"__proto__":null},"__proto__":{"a":1}}');
    const start = toJsonEvent({ ...fakeEvent(), type: "start", payload: state } as PipeEvent);
    expect(JSON.stringify(start.payload)).toBe('{"":{"__proto__":null},"__proto__":{"a":1}}');
    const map = toJsonEvent({
      ...fakeEvent(),
      type: "start",
      payload: new Map([["__proto__", 1]]),
    } as PipeEvent);
    expect(JSON.stringify(map.payload)).toBe('{"__proto__":1}');
    const error = Object.defineProperty(new Error("x"), "__proto__", {
      value: { code: 1 },
      enumerable: true,
    });
    expect(JSON.stringify(serializeError(error).details)).toBe('{"__proto__":{"code":1}}');
  });

  it("makes non-Error throws readable", () => {
    expect(serializeError("boom")).toEqual({ name: "NonError", message: "boom", thrown: "boom" });
    expect(serializeError(42)).toEqual({ name: "NonError", message: "42", thrown: 42 });
    expect(serializeError(undefined)).toEqual({ name: "NonError", message: "undefined" });
    expect(serializeError({ status: 503, body: "busy" })).toEqual({
      name: "NonError",
      message: '{"status":503,"body":"busy"}',
      thrown: { status: 503, body: "busy" },
    });
    expect(serializeError(null).message).toBe("null");
  });

  it("serialises AggregateError's errors and non-Error causes", () => {
    const aggregate = new AggregateError([new RangeError("a"), "b"], "both failed", { cause: "root" });
    const serialized = serializeError(aggregate);
    expect(serialized.errors).toMatchObject([
      { name: "RangeError", message: "a" },
      { name: "NonError", message: "b" },
    ]);
    expect(serialized.cause).toEqual({ name: "NonError", message: "root", thrown: "root" });
  });

  it("turns values JSON cannot hold into readable ones: bigint, Map, Set, Date, functions", () => {
    const start = toJsonEvent({
      ...fakeEvent(),
      type: "start",
      payload: { big: 10n, map: new Map([["k", 1]]), set: new Set([1, 2]), at: new Date(0), fn: () => 1 },
    } as PipeEvent);
    expect(JSON.parse(JSON.stringify(start.payload))).toEqual({
      big: "10",
      map: { k: 1 },
      set: [1, 2],
      at: "1970-01-01T00:00:00.000Z",
    });
  });
});

function fakeEvent(): Omit<PipeEvent, "type" | "payload"> {
  return {
    stage: "system",
    timestamp: 0,
    runId: "r",
    originRunId: "r",
    parentRunId: null,
    seq: 1,
    nodeKind: "system",
    invocationId: null,
    parentInvocationId: null,
    ownerInvocationId: null,
    attempt: 1,
    scope: [],
    meta: null,
  };
}
