import { metrics, trace } from "@opentelemetry/api";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { DefinitionError, Pipe, PipeFrozenError } from "../../src/index.js";
import { instrument } from "../../src/otel/index.js";
import { drain, only, useTracing } from "./support.js";

const { exporter, tracerProvider } = useTracing();

/** A reader the test collects from on demand. */
class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

interface Point {
  readonly name: string;
  readonly attributes: Record<string, unknown>;
  readonly value: unknown;
}

async function collect(reader: TestReader): Promise<Point[]> {
  const { resourceMetrics } = await reader.collect();
  return resourceMetrics.scopeMetrics.flatMap((scope) =>
    scope.metrics.flatMap((metric) =>
      metric.dataPoints.map((point) => ({
        name: metric.descriptor.name,
        attributes: point.attributes,
        value:
          typeof point.value === "number" ? point.value : (point.value as { count: number; sum?: number }),
      })),
    ),
  );
}

function pointsOf(points: Point[], name: string) {
  return points.filter((p) => p.name === name).map((p) => [p.attributes, p.value]);
}

describe("instrument: metrics", () => {
  it("records run and step durations by status, tokens, first-token time and runs in progress", async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const pipe = new Pipe({ name: "metered" });
    let calls = 0;
    pipe.step(
      "flaky",
      () => {
        if (++calls === 1) throw new Error("once");
      },
      { retries: 1, to: "talk" },
    );
    pipe.step("talk", async function* () {
      yield "a";
      yield "b";
    });
    instrument(pipe, { tracerProvider, meterProvider });
    await drain(pipe.run({}));
    await drain(pipe.run({}));
    const points = await collect(reader);
    expect(pointsOf(points, "justpipe.run.duration")).toEqual([
      [{ "justpipe.pipe": "metered", "justpipe.status": "success" }, expect.objectContaining({ count: 2 })],
    ]);
    expect(pointsOf(points, "justpipe.step.duration")).toEqual([
      [
        { "justpipe.pipe": "metered", "justpipe.step": "flaky", "justpipe.status": "error" },
        expect.objectContaining({ count: 1 }),
      ],
      [
        { "justpipe.pipe": "metered", "justpipe.step": "flaky", "justpipe.status": "success" },
        expect.objectContaining({ count: 2 }),
      ],
      [
        { "justpipe.pipe": "metered", "justpipe.step": "talk", "justpipe.status": "success" },
        expect.objectContaining({ count: 2 }),
      ],
    ]);
    expect(pointsOf(points, "justpipe.tokens")).toEqual([
      [{ "justpipe.pipe": "metered", "justpipe.step": "talk" }, 4],
    ]);
    expect(pointsOf(points, "justpipe.step.time_to_first_token")).toEqual([
      [{ "justpipe.pipe": "metered", "justpipe.step": "talk" }, expect.objectContaining({ count: 2 })],
    ]);
    expect(pointsOf(points, "justpipe.runs.active")).toEqual([[{ "justpipe.pipe": "metered" }, 0]]);
  });

  it("maps model usage a step reports through meta to GenAI attributes and the token usage metric", async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const pipe = new Pipe({ name: "llm" });
    pipe.step(
      "callModel",
      ({ meta }) => {
        meta.step.set("model", "gpt-4o-mini");
        meta.step.set("provider", "openai");
        meta.step.set("usage", { inputTokens: 120, outputTokens: 30 });
      },
      { to: "legacy" },
    );
    pipe.step("legacy", ({ meta }) => {
      meta.step.set("gen_ai.request.model", "gpt-3.5");
      meta.step.increment("prompt_tokens", 7);
      meta.step.increment("completion_tokens", 3);
    });
    instrument(pipe, { tracerProvider, meterProvider });
    await drain(pipe.run({}));
    const spans = exporter.getFinishedSpans();
    expect(only(spans, "step callModel").attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.usage.input_tokens": 120,
      "gen_ai.usage.output_tokens": 30,
    });
    expect(only(spans, "step legacy").attributes).toMatchObject({
      "gen_ai.request.model": "gpt-3.5",
      "gen_ai.usage.input_tokens": 7,
      "gen_ai.usage.output_tokens": 3,
    });
    const usage = pointsOf(await collect(reader), "gen_ai.client.token.usage");
    expect(usage).toContainEqual([
      {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.token.type": "input",
      },
      expect.objectContaining({ sum: 120 }),
    ]);
    expect(usage).toHaveLength(4);
  });
});

describe("instrument: setup", () => {
  it("without an SDK the pipe runs as before and nothing is recorded", async () => {
    expect(trace.getTracerProvider().getTracer("x").startSpan("probe").isRecording()).toBe(false);
    expect(metrics.getMeterProvider().getMeter("x").constructor.name).toBe("NoopMeter");
    const pipe = new Pipe<{ n: number }>({ name: "bare" });
    pipe.step("inc", async function* ({ state }) {
      state.n++;
      yield state.n;
    });
    instrument(pipe);
    const events = await drain(pipe.run({ n: 1 }));
    expect(events.map((e) => e.type)).toEqual(["start", "step_start", "token", "step_end", "finish"]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("refuses a second instrument() of one pipe, and any after the first run", async () => {
    const pipe = new Pipe({ name: "twice" });
    pipe.step("only", () => {});
    const remove = instrument(pipe, { tracerProvider });
    expect(() => instrument(pipe, { tracerProvider })).toThrow(DefinitionError);
    expect(() => instrument(pipe, { tracerProvider })).toThrow("Pipe 'twice' is already instrumented");
    remove();
    await drain(pipe.run({}));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(() => instrument(pipe, { tracerProvider })).toThrow(PipeFrozenError);
    expect(() => instrument({} as never)).toThrow("Expected `pipe` to be a Pipe, got object.");
  });
});
