import type { ExecutionPlan } from "../graph/plan.js";
import { Stop } from "../model/control.js";
import type { AnyHandler } from "../model/handler-types.js";
import type { StepDefinition, StepKind } from "../model/step-definition.js";

/**
 * What visualization reads from a pipe: its name and metadata, plus the Pipe's internal read-only
 * accessors. A `Pipe` satisfies it; the internal members are not part of the public API.
 */
export interface IntrospectablePipe {
  readonly name: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  _definitions(): readonly StepDefinition[];
  /** The resolved graph (the frozen one once the pipe has run). Never throws. */
  _plan(): ExecutionPlan;
  _hooks(): {
    readonly startup: readonly AnyHandler[];
    readonly shutdown: readonly AnyHandler[];
    readonly onError: readonly AnyHandler[];
  };
}

/**
 * The kinds of edge a pipeline has: `static` (a `to`), `map` (a map step to its `each` worker),
 * `switch` (a route of a switch's table, or its default) and `dynamic` (a jump declared with
 * `routes`).
 */
export type EdgeKind = "static" | "map" | "switch" | "dynamic";

/** One edge of the resolved graph. */
export interface ModelEdge {
  readonly source: string;
  /** The step it leads to; `null` for a switch route to `Stop` (the run ends). */
  readonly target: string | null;
  readonly kind: EdgeKind;
  /** A switch route's key, or `"default"`. */
  readonly label?: string;
}

/** One step, with what the diagram needs to know about it. */
export interface ModelNode {
  readonly name: string;
  readonly kind: StepKind;
  readonly definition: StepDefinition;
  /** Its handler is an async generator function yielding tokens (never for a map: it yields items). */
  readonly streaming: boolean;
  /** It is the `each` worker of a map. */
  readonly worker: boolean;
  /** Its barrier is `any` and it has two or more static parents. */
  readonly anyJoin: boolean;
  /** It has no edge at all, in a pipe that has edges. */
  readonly isolated: boolean;
  /** The run can end after it: no static successor (a switch: no routing table). Workers never are. */
  readonly terminal: boolean;
}

/** A static fan-out: one step whose `to` names two or more steps. */
export interface ParallelGroup {
  readonly source: string;
  /** The fan-out targets, in `to` order. */
  readonly members: readonly string[];
}

/** The resolved shape of one pipe, shared by the Mermaid renderer, `describe()` and `hash()`. */
export interface PipeModel {
  readonly pipe: IntrospectablePipe;
  /** Every step, in registration order. */
  readonly nodes: readonly ModelNode[];
  readonly byName: ReadonlyMap<string, ModelNode>;
  /** Every edge, by source in registration order, then `to`, `each`, switch table, default, `routes`. */
  readonly edges: readonly ModelEdge[];
  readonly groups: readonly ParallelGroup[];
  /** The steps a run starts from, exactly as the runtime computes them. */
  readonly roots: readonly string[];
  /** Hook function names, in order (`""` for an anonymous function). */
  readonly hooks: { readonly startup: string[]; readonly shutdown: string[]; readonly onError: string[] };
}

/** Whether a handler is an async generator function, i.e. a streaming step. */
export function isStreaming(handler: AnyHandler): boolean {
  return handler.constructor?.name === "AsyncGeneratorFunction";
}

/**
 * Builds the model of a pipe from its definitions and the execution plan. Never throws for an
 * invalid definition: unresolved targets are left out, everything else is drawn.
 */
export function buildModel(pipe: IntrospectablePipe): PipeModel {
  const definitions = pipe._definitions();
  const plan = pipe._plan();
  const edges: ModelEdge[] = [];
  const groups: ParallelGroup[] = [];
  const workers = new Set<string>();
  for (const d of definitions) {
    const node = plan.nodes.get(d.name)!;
    for (const target of node.successors) edges.push({ source: d.name, target, kind: "static" });
    if (node.successors.length > 1) groups.push({ source: d.name, members: node.successors });
    if (node.each !== undefined) {
      workers.add(node.each);
      edges.push({ source: d.name, target: node.each, kind: "map" });
    }
    for (const [key, target] of node.switchTable ?? []) {
      edges.push({
        source: d.name,
        target: target === Stop ? null : (target as string),
        kind: "switch",
        label: key,
      });
    }
    if (node.switchDefault !== undefined) {
      const target = node.switchDefault === Stop ? null : (node.switchDefault as string);
      edges.push({ source: d.name, target, kind: "switch", label: "default" });
    }
    for (const target of node.routes ?? []) edges.push({ source: d.name, target, kind: "dynamic" });
  }
  const touched = new Set<string>();
  for (const e of edges) {
    touched.add(e.source);
    if (e.target !== null) touched.add(e.target);
  }
  const nodes = definitions.map((d): ModelNode => {
    const planNode = plan.nodes.get(d.name)!;
    const isolated = edges.length > 0 && !touched.has(d.name);
    const worker = workers.has(d.name);
    return {
      name: d.name,
      kind: d.kind,
      definition: d,
      // A map's async generator yields items, not tokens.
      streaming: d.kind !== "map" && isStreaming(d.handler),
      worker,
      anyJoin: d.barrierType === "any" && planNode.parentCount >= 2,
      isolated,
      terminal:
        !isolated &&
        !worker &&
        (d.kind === "switch" ? planNode.switchTable === undefined : planNode.successors.length === 0),
    };
  });
  const hooks = pipe._hooks();
  return {
    pipe,
    nodes,
    byName: new Map(nodes.map((n) => [n.name, n])),
    edges,
    groups,
    roots: plan.roots,
    hooks: {
      startup: hooks.startup.map((h) => h.name),
      shutdown: hooks.shutdown.map((h) => h.name),
      onError: hooks.onError.map((h) => h.name),
    },
  };
}

/** Code-unit order: the same on every machine and locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
