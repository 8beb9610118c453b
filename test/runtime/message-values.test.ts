/**
 * Issue 15, defect 5: messages showed values bare ("returned undefined undefined", "returned
 * string hello"). Values in messages are quoted with their type, through the one template
 * (`shownValue`): "returned `undefined` (undefined)".
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { EventType, Pipe } from "../../src/index.js";
import { collect } from "../helpers.js";

async function stepErrorMessage(pipe: Pipe<any, any>): Promise<string | undefined> {
  const events = await collect(pipe.run({}));
  const error = events.find((e) => e.type === EventType.STEP_ERROR);
  return error?.type === EventType.STEP_ERROR ? error.payload.message : undefined;
}

const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.message);
process.on("warning", onWarning);
afterEach(() => {
  warnings.length = 0;
});
afterAll(() => {
  process.off("warning", onWarning);
});

describe("values in messages are quoted with their type", () => {
  it("a map handler that returns no items", async () => {
    for (const [value, shown] of [
      [undefined, "`undefined` (undefined)"],
      [42, "`42` (number)"],
      [{ items: [1] }, '`{"items":[1]}` (object)'],
    ] as const) {
      const pipe = new Pipe({ name: "map" });
      pipe.map("fan", () => value as never, { each: "work" });
      pipe.step("work", () => {});
      expect(await stepErrorMessage(pipe)).toBe(
        `Map step 'fan' must return an Iterable or AsyncIterable of items (an array, a Set, a generator...), but returned ${shown}.`,
      );
    }
  });

  it("a switch value that matches no route, and a routing function's bad target", async () => {
    const noRoute = new Pipe({ name: "switch" });
    noRoute.switch("route", () => undefined, { to: { a: "a" } });
    noRoute.step("a", () => {});
    expect(await stepErrorMessage(noRoute)).toBe(
      "Switch 'route' returned `undefined` (undefined), which matches no route (routes: a). Add a route for it or a `default`.",
    );
    const badTarget = new Pipe({ name: "function" });
    badTarget.switch("route", () => "x", { to: () => 42 as never });
    expect(await stepErrorMessage(badTarget)).toBe(
      "The routing function of switch 'route' returned `42` (number) for `x` (string); return a step name, a registered handler, or Stop.",
    );
  });

  it("a step that returns a value that is ignored (a warning)", async () => {
    const pipe = new Pipe({ name: "ignored" });
    pipe.step("compute", () => 42 as never);
    await collect(pipe.run({}));
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toContainEqual(
      expect.stringMatching(/^Step 'compute' returned `42` \(number\), which is ignored\./),
    );
  });
});
