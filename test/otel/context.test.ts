import { context, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { Pipe } from "../../src/index.js";
import { instrument } from "../../src/otel/index.js";
import { drain, only, spanTree, useTracing } from "./support.js";

const { exporter, tracerProvider, tracer } = useTracing();
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe("instrument: context propagation", () => {
  it("spans a handler starts, before and after an await, are children of its step span", async () => {
    const pipe = new Pipe({ name: "user-spans" });
    pipe.step(
      "fetch",
      async () => {
        tracer.startSpan("before await").end();
        await tick();
        await tracer.startActiveSpan("http GET", async (span) => {
          await tick();
          tracer.startSpan("dns").end();
          span.end();
        });
      },
      { to: "next" },
    );
    pipe.step("next", () => {
      tracer.startSpan("sync work").end();
    });
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({}));
    expect(spanTree(exporter.getFinishedSpans())).toEqual([
      "run user-spans",
      "  step fetch",
      "    before await",
      "    http GET",
      "      dns",
      "  step next",
      "    sync work",
    ]);
  });

  it("a streaming step's body runs in its span between yields; tokens are counted, never spans", async () => {
    const pipe = new Pipe({ name: "stream" });
    pipe.step("answer", async function* () {
      yield "a";
      await tick();
      tracer.startSpan("mid-stream").end();
      yield "b";
      yield "c";
    });
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({}));
    const spans = exporter.getFinishedSpans();
    expect(spanTree(spans)).toEqual(["run stream", "  step answer", "    mid-stream"]);
    const step = only(spans, "step answer");
    expect(step.attributes["justpipe.tokens"]).toBe(3);
    expect(typeof step.attributes["justpipe.first_token_ms"]).toBe("number");
    expect(step.events.map((e) => e.name)).toEqual(["justpipe.first_token"]);
  });

  it("map workers' own spans nest under each worker's span", async () => {
    const pipe = new Pipe<{ items: number[] }>({ name: "map-ctx" });
    pipe.map("fan", ({ state }) => state.items, { each: "work" });
    pipe.step("work", async ({ item }) => {
      await tick();
      tracer.startSpan(`item ${item}`).end();
    });
    instrument(pipe, { tracerProvider });
    await drain(pipe.run({ items: [1, 2] }));
    expect(spanTree(exporter.getFinishedSpans())).toEqual([
      "run map-ctx",
      "  step fan",
      "    step work",
      "      item 1",
      "    step work",
      "      item 2",
    ]);
  });

  it("the run span is a child of the span active where the run is iterated", async () => {
    const pipe = new Pipe({ name: "nested" });
    pipe.step("only", () => {});
    instrument(pipe, { tracerProvider });
    await tracer.startActiveSpan("POST /chat", async (request) => {
      await drain(pipe.run({}));
      request.end();
    });
    expect(spanTree(exporter.getFinishedSpans())).toEqual(["POST /chat", "  run nested", "    step only"]);
    // And outside any span, the run span is a root.
    exporter.reset();
    await context.with(trace.deleteSpan(context.active()), () => drain(pipe.run({})));
    expect(spanTree(exporter.getFinishedSpans())).toEqual(["run nested", "  step only"]);
  });

  it("a client close (break) ends the run span with status client_closed and its open steps", async () => {
    const pipe = new Pipe({ name: "closed" });
    pipe.step("talk", async function* () {
      yield "one";
      yield "two";
    });
    instrument(pipe, { tracerProvider });
    for await (const event of pipe.run({})) if (event.type === "token") break;
    const spans = exporter.getFinishedSpans();
    expect(only(spans, "run closed").attributes["justpipe.status"]).toBe("client_closed");
    expect(only(spans, "step talk").attributes["justpipe.status"]).toBe("cancelled");
  });
});
