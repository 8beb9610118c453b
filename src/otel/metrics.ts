import type { Attributes, Counter, Histogram, Meter, MeterProvider, UpDownCounter } from "@opentelemetry/api";
import { GEN_AI_TOKEN_TYPE, type ModelUsage } from "./attributes.js";

/** The instruments `instrument()` records to (names follow the OpenTelemetry naming rules). */
export class PipeMetrics {
  /** `justpipe.run.duration` (s): by `justpipe.pipe` and `justpipe.status`. */
  readonly runDuration: Histogram;
  /** `justpipe.step.duration` (s): by `justpipe.pipe`, `justpipe.step` and `justpipe.status`. */
  readonly stepDuration: Histogram;
  /** `justpipe.tokens` ({token}): streamed `TOKEN` events, by pipe and step. */
  readonly tokens: Counter;
  /** `justpipe.step.time_to_first_token` (s): by pipe and step. */
  readonly firstToken: Histogram;
  /** `justpipe.runs.active` ({run}): runs in progress, by pipe. */
  readonly activeRuns: UpDownCounter;
  /** `gen_ai.client.token.usage` ({token}): model usage reported through `meta`. */
  readonly modelTokens: Histogram;

  /** The meter the instruments come from. */
  readonly meter: Meter;

  constructor(meter: Meter) {
    this.meter = meter;
    this.runDuration = meter.createHistogram("justpipe.run.duration", {
      description: "Duration of pipeline runs.",
      unit: "s",
    });
    this.stepDuration = meter.createHistogram("justpipe.step.duration", {
      description: "Duration of step invocations (each attempt and map worker).",
      unit: "s",
    });
    this.tokens = meter.createCounter("justpipe.tokens", {
      description: "Tokens (TOKEN events) streamed by steps.",
      unit: "{token}",
    });
    this.firstToken = meter.createHistogram("justpipe.step.time_to_first_token", {
      description: "Time from a streaming step's start to its first token.",
      unit: "s",
    });
    this.activeRuns = meter.createUpDownCounter("justpipe.runs.active", {
      description: "Pipeline runs in progress.",
      unit: "{run}",
    });
    this.modelTokens = meter.createHistogram("gen_ai.client.token.usage", {
      description: "Model token usage reported by steps through meta.",
      unit: "{token}",
    });
  }

  /** Records the model usage of one step invocation. */
  recordModelUsage(usage: ModelUsage): void {
    const base: Attributes = { ...usage.attributes };
    delete base["gen_ai.usage.input_tokens"];
    delete base["gen_ai.usage.output_tokens"];
    if (usage.inputTokens !== undefined) {
      this.modelTokens.record(usage.inputTokens, { ...base, [GEN_AI_TOKEN_TYPE]: "input" });
    }
    if (usage.outputTokens !== undefined) {
      this.modelTokens.record(usage.outputTokens, { ...base, [GEN_AI_TOKEN_TYPE]: "output" });
    }
  }
}

/** Creates the instruments from a meter provider once, and again if the global provider changes. */
export class MetricsSource {
  readonly #provider: MeterProvider | undefined;
  readonly #global: () => MeterProvider;
  #resolved: MeterProvider | undefined;
  #metrics: PipeMetrics | undefined;

  constructor(provider: MeterProvider | undefined, global: () => MeterProvider) {
    this.#provider = provider;
    this.#global = global;
  }

  /** The instruments for a new run. */
  get(version: string): PipeMetrics {
    const provider = this.#provider ?? this.#global();
    if (this.#metrics === undefined || provider !== this.#resolved) {
      this.#resolved = provider;
      this.#metrics = new PipeMetrics(provider.getMeter("justpipe", version));
    }
    return this.#metrics;
  }
}
