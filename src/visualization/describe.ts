import type { RetryOption } from "../model/options.js";
import type { StepKind } from "../model/step-definition.js";
import { hashPipe } from "./hash.js";
import {
  buildModel,
  compareStrings,
  type EdgeKind,
  type IntrospectablePipe,
  type ModelNode,
} from "./model.js";

/** A JSON value: what `describe()` is made of, so `JSON.stringify` round-trips it unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A JSON-serialisable description of a pipeline, returned by `pipe.describe()`. Keys always come
 * in the order documented here; lists are in registration order unless noted.
 */
export interface PipeDescription {
  /** The pipe's name. */
  readonly name: string;
  /** `pipe.hash()`: a stable identity of the definition. */
  readonly hash: string;
  /** Every step, in registration order. */
  readonly nodes: readonly NodeDescription[];
  /** Every edge, by source in registration order, then `to`, `each`, switch table, default, `routes`. */
  readonly edges: readonly EdgeDescription[];
  /** Static fan-outs (a `to` with two or more targets), by source in registration order. */
  readonly groups: readonly GroupDescription[];
  /** The steps a run starts from without `start`, as the runtime and `validate()` compute them. */
  readonly roots: readonly string[];
  /** Hook function names, in order; `"(anonymous)"` for an anonymous function. */
  readonly hooks: {
    /** The `onStartup` hooks. */
    readonly startup: readonly string[];
    /** The `onShutdown` hooks. */
    readonly shutdown: readonly string[];
    /** The Pipe's global `onError` handlers (steps' own `onError` show as `hasErrorHandler`). */
    readonly onError: readonly string[];
  };
  /** The Pipe's `metadata` option, as JSON (functions and symbols dropped, bigints as strings). */
  readonly metadata: { readonly [key: string]: JsonValue };
}

/** One step of a {@link PipeDescription}. */
export interface NodeDescription {
  /** The step's name. */
  readonly name: string;
  /** How it was registered: `pipe.step`, `pipe.map`, `pipe.switch` or `pipe.sub`. */
  readonly kind: StepKind;
  /** Its handler is an async generator function that streams `TOKEN` events (a map's yields items: false). */
  readonly streaming: boolean;
  /** Every step it can lead to (`to`, `each`, switch routes and default, `routes`), sorted, without `Stop`. */
  readonly targets: readonly string[];
  /** The options that differ from their defaults, in this key order (`{}` when none does). */
  readonly options: {
    /** The `timeout` option, in milliseconds. */
    readonly timeout?: number;
    /** The `retries` option, when not 0: a number of extra attempts or the policy object. */
    readonly retries?: number | RetryPolicyDescription;
    /** Present when the step is an any-join (`barrierType: "any"`). */
    readonly barrierType?: "any";
    /** The `barrierTimeout` option, in milliseconds. */
    readonly barrierTimeout?: number;
    /** A map step's `maxConcurrency` option. */
    readonly maxConcurrency?: number;
    /** A switch routed by a function instead of a table (its targets are only known from `routes`). */
    readonly routing?: "function";
    /** Present when the step has its own `onError` handler. */
    readonly hasErrorHandler?: true;
  };
  /**
   * A sub-pipeline step's child pipeline, described the same way. A child that is already being
   * described higher up (a pipe that contains itself) is only named, with `recursive: true`.
   */
  readonly pipeline?:
    | PipeDescription
    | {
        /** The child pipe's name. */
        readonly name: string;
        /** Always true: the child is described further up the tree. */
        readonly recursive: true;
      };
}

/** A retry policy object, with `retryOn` reduced to `true` when it is set. */
export interface RetryPolicyDescription {
  /** Extra attempts after the first. */
  readonly attempts: number;
  /** Delay before the first retry, in milliseconds, when set. */
  readonly minDelay?: number;
  /** Longest delay between attempts, in milliseconds, when set. */
  readonly maxDelay?: number;
  /** Multiplier from one delay to the next, when set. */
  readonly factor?: number;
  /** The `jitter` option, when set. */
  readonly jitter?: boolean | number;
  /** Present when the policy has a `retryOn` predicate (functions are not serialisable). */
  readonly retryOn?: true;
}

/** One edge of a {@link PipeDescription}. */
export interface EdgeDescription {
  /** The step the edge starts from. */
  readonly source: string;
  /** The step it leads to; `null` for a switch route to `Stop` (the run ends there). */
  readonly target: string | null;
  /**
   * `static` (`to`), `map` (map to its `each` worker), `switch` (a route of the table or the
   * default), `dynamic` (a jump declared with `routes`).
   */
  readonly kind: EdgeKind;
  /** A switch route's key, or `"default"`. */
  readonly label?: string;
}

/** A static fan-out of a {@link PipeDescription}. */
export interface GroupDescription {
  /** Always `"parallel"`: the members run concurrently. */
  readonly kind: "parallel";
  /** The step whose `to` lists the members. */
  readonly source: string;
  /** The fan-out targets, in `to` order. */
  readonly members: readonly string[];
}

/**
 * Describes a pipe as plain JSON (see `pipe.describe()`).
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(describePipe(pipe), null, 2)); // what pipe.describe() returns
 * ```
 */
export function describePipe(pipe: IntrospectablePipe): PipeDescription {
  return describeWith(pipe, new Set([pipe]));
}

function describeWith(pipe: IntrospectablePipe, ancestors: ReadonlySet<IntrospectablePipe>): PipeDescription {
  const model = buildModel(pipe);
  // Each node's targets, gathered in one pass (scanning every edge per node is quadratic).
  const targetsBySource = new Map<string, Set<string>>();
  for (const e of model.edges) {
    if (e.target === null) continue;
    let targets = targetsBySource.get(e.source);
    if (targets === undefined) targetsBySource.set(e.source, (targets = new Set()));
    targets.add(e.target);
  }
  const anonymous = (name: string) => (name === "" ? "(anonymous)" : name);
  return {
    name: pipe.name,
    hash: hashPipe(pipe),
    nodes: model.nodes.map((node) => describeNode(node, targetsBySource, ancestors)),
    edges: model.edges.map((e) => ({
      source: e.source,
      target: e.target,
      kind: e.kind,
      ...(e.label === undefined ? {} : { label: e.label }),
    })),
    groups: model.groups.map((g) => ({ kind: "parallel", source: g.source, members: [...g.members] })),
    roots: [...model.roots],
    hooks: {
      startup: model.hooks.startup.map(anonymous),
      shutdown: model.hooks.shutdown.map(anonymous),
      onError: model.hooks.onError.map(anonymous),
    },
    metadata: toJson(pipe.metadata, new Set()) as { [key: string]: JsonValue },
  };
}

function describeNode(
  node: ModelNode,
  targetsBySource: ReadonlyMap<string, ReadonlySet<string>>,
  ancestors: ReadonlySet<IntrospectablePipe>,
): NodeDescription {
  const d = node.definition;
  const targets = targetsBySource.get(node.name) ?? new Set<string>();
  const options: { -readonly [K in keyof NodeDescription["options"]]: NodeDescription["options"][K] } = {};
  if (d.timeout !== undefined) options.timeout = d.timeout;
  const retries = describeRetries(d.retries);
  if (retries !== undefined) options.retries = retries;
  if (d.barrierType === "any") options.barrierType = "any";
  if (d.barrierTimeout !== undefined) options.barrierTimeout = d.barrierTimeout;
  if (d.maxConcurrency !== undefined) options.maxConcurrency = d.maxConcurrency;
  if (d.kind === "switch" && typeof d.switchRoutes === "function") options.routing = "function";
  if (d.onError !== undefined) options.hasErrorHandler = true;
  const child = d.pipeline as IntrospectablePipe | undefined;
  return {
    name: node.name,
    kind: node.kind,
    streaming: node.streaming,
    targets: [...targets].sort(compareStrings),
    options,
    ...(child === undefined
      ? {}
      : {
          pipeline: ancestors.has(child)
            ? { name: child.name, recursive: true as const }
            : describeWith(child, new Set(ancestors).add(child)),
        }),
  };
}

function describeRetries(retries: RetryOption): number | RetryPolicyDescription | undefined {
  if (typeof retries === "number") return retries === 0 ? undefined : retries;
  return {
    attempts: retries.attempts,
    ...(retries.minDelay === undefined ? {} : { minDelay: retries.minDelay }),
    ...(retries.maxDelay === undefined ? {} : { maxDelay: retries.maxDelay }),
    ...(retries.factor === undefined ? {} : { factor: retries.factor }),
    ...(retries.jitter === undefined ? {} : { jitter: retries.jitter }),
    ...(retries.retryOn === undefined ? {} : { retryOn: true as const }),
  };
}

/** A JSON copy of user metadata, so `JSON.stringify(pipe.describe())` never throws. */
function toJson(value: unknown, seen: Set<object>): JsonValue | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return null;
      if (seen.has(value)) return "[Circular]";
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === "function") {
        try {
          return toJson(toJSON.call(value), seen);
        } catch {
          return null;
        }
      }
      seen.add(value);
      try {
        if (Array.isArray(value)) return value.map((v) => toJson(v, seen) ?? null);
        const out: { [key: string]: JsonValue } = {};
        for (const [k, v] of Object.entries(value)) {
          const json = toJson(v, seen);
          if (json !== undefined) out[k] = json;
        }
        return out;
      } finally {
        seen.delete(value);
      }
    }
    default:
      return undefined;
  }
}
