import type { Attributes } from "@opentelemetry/api";

/** The pipe's name (runs, steps, metrics). */
export const ATTR_PIPE = "justpipe.pipe";
/** The run's id. */
export const ATTR_RUN_ID = "justpipe.run_id";
/** The step's name (its stage: `"<sub>:<step>"` for forwarded steps). */
export const ATTR_STEP = "justpipe.step";
/** How the step was registered: `step`, `map`, `switch`, `sub`. */
export const ATTR_STEP_KIND = "justpipe.step.kind";
/** The invocation's id (`"<runId>:<n>"`). */
export const ATTR_INVOCATION_ID = "justpipe.invocation_id";
/** The invocation that caused this one (a jump, a retry, the map or sub owner). */
export const ATTR_PARENT_INVOCATION_ID = "justpipe.parent_invocation_id";
/** Attempt number within the retry lineage (1, 2, 3...). */
export const ATTR_ATTEMPT = "justpipe.attempt";
/** How the run or the invocation ended. */
export const ATTR_STATUS = "justpipe.status";
/** The item index of a map worker. */
export const ATTR_MAP_INDEX = "justpipe.map.index";
/** True on a failed attempt that will be retried. */
export const ATTR_RETRYING = "justpipe.retrying";
/** `TOKEN` events the invocation yielded. */
export const ATTR_TOKENS = "justpipe.tokens";
/** Time from the invocation's start to its first `TOKEN`, in ms. */
export const ATTR_FIRST_TOKEN_MS = "justpipe.first_token_ms";
/** The step a failed run names (`failedStep`). */
export const ATTR_FAILED_STEP = "justpipe.failed_step";
/** The failed run's `failureKind`. */
export const ATTR_FAILURE_KIND = "justpipe.failure_kind";
/** The failed run's `failureSource`. */
export const ATTR_FAILURE_SOURCE = "justpipe.failure_source";
/** The run's duration by its clock (`FINISH` `durationMs`). */
export const ATTR_DURATION_MS = "justpipe.duration_ms";

/** GenAI semantic conventions (https://opentelemetry.io/docs/specs/semconv/gen-ai/). */
export const GEN_AI_OPERATION = "gen_ai.operation.name";
export const GEN_AI_PROVIDER = "gen_ai.provider.name";
export const GEN_AI_SYSTEM = "gen_ai.system";
export const GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const GEN_AI_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const GEN_AI_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
export const GEN_AI_TOKEN_TYPE = "gen_ai.token.type";

type Bag = Readonly<Record<string, unknown>>;

function asBag(value: unknown): Bag | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Bag) : undefined;
}

function firstString(bags: readonly (Bag | undefined)[], keys: readonly string[]): string | undefined {
  for (const bag of bags) {
    if (bag === undefined) continue;
    for (const key of keys) if (typeof bag[key] === "string") return bag[key] as string;
  }
  return undefined;
}

function firstNumber(bags: readonly (Bag | undefined)[], keys: readonly string[]): number | undefined {
  for (const bag of bags) {
    if (bag === undefined) continue;
    for (const key of keys) {
      const value = bag[key];
      if (typeof value === "number" && Number.isFinite(value)) return value;
      // meta.step.record() keeps a list of samples: their sum is the usage.
      if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "number")) {
        return (value as number[]).reduce((sum, v) => sum + v, 0);
      }
    }
  }
  return undefined;
}

const INPUT_KEYS = [GEN_AI_INPUT_TOKENS, "inputTokens", "input_tokens", "promptTokens", "prompt_tokens"];
const OUTPUT_KEYS = [
  GEN_AI_OUTPUT_TOKENS,
  "outputTokens",
  "output_tokens",
  "completionTokens",
  "completion_tokens",
];

/** The model usage a step reported through `meta`, as GenAI attributes (empty when none). */
export interface ModelUsage {
  /** Span attributes (`gen_ai.*`). */
  readonly attributes: Attributes;
  /** Input tokens, when reported. */
  readonly inputTokens: number | undefined;
  /** Output tokens, when reported. */
  readonly outputTokens: number | undefined;
}

/**
 * Reads model usage from a step's meta (`{ data, counters, metrics }` of `STEP_END`): a model name
 * (`model` or `gen_ai.request.model`), a provider (`provider`, `gen_ai.provider.name` or
 * `gen_ai.system`), and token usage given as a `usage` object (the AI SDK's `inputTokens` /
 * `outputTokens`, OpenAI's `prompt_tokens` / `completion_tokens`) or as keys of their own.
 */
export function modelUsageOf(meta: Bag | null | undefined): ModelUsage | undefined {
  if (meta === null || meta === undefined) return undefined;
  const data = asBag(meta.data);
  const bags = [data, asBag(data?.usage), asBag(meta.counters), asBag(meta.metrics)];
  const model = firstString([data], [GEN_AI_REQUEST_MODEL, "model"]);
  const inputTokens = firstNumber(bags, INPUT_KEYS);
  const outputTokens = firstNumber(bags, OUTPUT_KEYS);
  if (model === undefined && inputTokens === undefined && outputTokens === undefined) return undefined;
  const attributes: Attributes = {
    [GEN_AI_OPERATION]: firstString([data], [GEN_AI_OPERATION]) ?? "chat",
  };
  const provider = firstString([data], [GEN_AI_PROVIDER, GEN_AI_SYSTEM, "provider"]);
  if (provider !== undefined) {
    attributes[GEN_AI_PROVIDER] = provider;
    attributes[GEN_AI_SYSTEM] = provider;
  }
  if (model !== undefined) attributes[GEN_AI_REQUEST_MODEL] = model;
  const responseModel = firstString([data], [GEN_AI_RESPONSE_MODEL, "responseModel"]);
  if (responseModel !== undefined) attributes[GEN_AI_RESPONSE_MODEL] = responseModel;
  if (inputTokens !== undefined) attributes[GEN_AI_INPUT_TOKENS] = inputTokens;
  if (outputTokens !== undefined) attributes[GEN_AI_OUTPUT_TOKENS] = outputTokens;
  return { attributes, inputTokens, outputTokens };
}
