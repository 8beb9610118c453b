import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CodecError, fromTaggedJson, jsonCodec, toTaggedJson } from "../../src/index.js";

const roundTrip = (value: unknown) => jsonCodec.decode(jsonCodec.encode(value));

const refusal = (value: unknown): CodecError => {
  try {
    jsonCodec.encode(value);
  } catch (error) {
    if (error instanceof CodecError) return error;
    throw error;
  }
  throw new Error("expected the codec to refuse the value");
};

describe("jsonCodec", () => {
  it("round-trips Date, Map, Set, BigInt, Uint8Array, Buffer, undefined and non-finite numbers", () => {
    const state = {
      at: new Date(1_733_000_000_000),
      invalid: new Date(Number.NaN),
      cache: new Map<unknown, unknown>([
        ["k", { n: 1 }],
        [2, new Set([1, "a"])],
      ]),
      tags: new Set(["x", "y"]),
      big: 12345678901234567890n,
      bytes: new Uint8Array([0, 1, 254, 255]),
      buffer: Buffer.from("hi"),
      missing: undefined,
      list: [1, undefined, null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0],
      nested: { deep: { deeper: [{ a: "b" }] } },
    };
    const back = roundTrip(state) as typeof state;
    expect(back).toEqual(state);
    expect(Object.hasOwn(back, "missing")).toBe(true);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(Object.is(back.list[6], -0)).toBe(true);
    expect(Number.isNaN(back.invalid.getTime())).toBe(true);
  });

  it("keeps a plain object that happens to use the tag key", () => {
    const state = { $jp: "Date", v: 3, inner: { $jp: "undefined" } };
    expect(roundTrip(state)).toEqual(state);
  });

  // A property run once found {"":{"__proto__":null}} coming back as {"":{}} with a null prototype:
  // assigning an own "__proto__" key set the copy's prototype instead.
  it("keeps an own __proto__ key as a key, never as the prototype", () => {
    for (const text of [
      '{"":{"__proto__":null}}',
      '{"__proto__":{"polluted":true}}',
      '[{"__proto__":[1,2]}]',
      '{"$jp":"x","__proto__":{"$jp":"Date","v":0}}',
    ]) {
      const value = JSON.parse(text);
      const back = roundTrip(value) as Record<string, unknown>;
      expect(JSON.stringify(back)).toBe(text);
      expect(back).toEqual(value);
    }
    const back = roundTrip(JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.hasOwn(back, "__proto__")).toBe(true);
    expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    const tagged = toTaggedJson(JSON.parse('{"a":{"__proto__":{"$jp":"BigInt"}}}')) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(tagged)).toBe('{"a":{"__proto__":{"$jp":"object","v":{"$jp":"BigInt"}}}}');
    const decoded = fromTaggedJson(JSON.parse('{"__proto__":{"$jp":"BigInt","v":"5"}}')) as object;
    expect(Object.getOwnPropertyDescriptor(decoded, "__proto__")?.value).toBe(5n);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });

  it("round-trips JSON-like values with __proto__ keys (property)", () => {
    const key = fc.constantFrom("__proto__", "", "a", "$jp", "v");
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.jsonValue({ maxDepth: 1 }),
        fc.array(tie("node"), { maxLength: 3 }),
        fc
          .array(fc.tuple(key, tie("node")), { maxLength: 3 })
          .map((entries) =>
            JSON.parse(`{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`),
          ),
      ),
    })).node;
    fc.assert(
      fc.property(value, (input) => {
        expect(JSON.stringify(roundTrip(input))).toBe(JSON.stringify(input));
        expect(roundTrip(input)).toEqual(input);
      }),
      { seed: 13, numRuns: 500 },
    );
  });

  it("round-trips any JSON-like value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(roundTrip(value)).toEqual(value);
      }),
    );
  });

  it("refuses a function, naming its path and what to do", () => {
    const error = refusal({ user: { profile: { format: function format() {} } } });
    expect(error.path).toBe("state.user.profile.format");
    expect(error.message).toMatch(/Cannot store state\.user\.profile\.format: a function \(format\)/);
    expect(error.message).toMatch(/ctx|codec/);
  });

  it("refuses symbols as values and as keys", () => {
    expect(refusal({ a: [1, Symbol("s")] }).path).toBe("state.a[1]");
    expect(refusal({ [Symbol("hidden")]: 1 }).path).toBe("state[Symbol(hidden)]");
  });

  it("refuses class instances with their class name, inside Maps and Sets too", () => {
    class Client {
      url = "x";
    }
    const error = refusal({ clients: new Map([["main", new Client()]]) });
    expect(error.path).toBe('state.clients.get("main")');
    expect(error.message).toContain("a Client instance");
    expect(refusal({ s: new Set([1, new Client()]) }).path).toBe("state.s<Set item #1>");
    expect(refusal({ re: /x/ }).message).toContain("RegExp");
    expect(refusal({ e: new Error("x") }).path).toBe("state.e");
    expect(refusal({ "odd key": new Float64Array(1) }).path).toBe('state["odd key"]');
  });

  it("refuses cycles but copies shared (acyclic) references", () => {
    const node: Record<string, unknown> = { name: "a" };
    node.self = { parent: node };
    const error = refusal({ node });
    expect(error.path).toBe("state.node.self.parent");
    expect(error.message).toContain("cycle");
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: shared })).toEqual({ a: { n: 1 }, b: { n: 1 } });
  });

  it("fails closed on data it did not write", () => {
    expect(() => jsonCodec.decode('{"x":{"$jp":"Klass","v":1}}')).toThrow(/state\.x: unknown tag 'Klass'/);
    expect(() => jsonCodec.decode("not json")).toThrow(CodecError);
    expect(jsonCodec.decode(new TextEncoder().encode('{"a":1}'))).toEqual({ a: 1 });
  });

  it("exposes the tagged form for stores that embed it in JSON", () => {
    expect(toTaggedJson({ n: 1n }, "payload")).toEqual({ n: { $jp: "BigInt", v: "1" } });
    expect(fromTaggedJson({ n: { $jp: "BigInt", v: "1" } })).toEqual({ n: 1n });
    expect(() => toTaggedJson(() => 1, "payload")).toThrow(/Cannot store payload:/);
  });
});
