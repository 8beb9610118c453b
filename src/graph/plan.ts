import type { DefinitionIssue } from "../errors/errors.js";
import type { StopSignal } from "../model/control.js";
import type { Target } from "../model/handler-types.js";
import type { StepDefinition, StepKind } from "../model/step-definition.js";

import { findRoots } from "./algorithms.js";
import { buildSlots, joinSpec } from "./join-slots.js";
import { allReachable } from "./rules/all-reachable.js";
import { entryPoint } from "./rules/entry-point.js";
import { joinNotSplitByLoop } from "./rules/join-not-split-by-loop.js";
import { knownStart } from "./rules/known-start.js";
import { mapNotItsOwnWorker } from "./rules/map-not-its-own-worker.js";
import { mapWorkerNotItsTo } from "./rules/map-worker-not-its-to.js";
import { mapWorkerWithoutTo } from "./rules/map-worker-without-to.js";
import { noStaticCycle } from "./rules/no-static-cycle.js";
import { singleRoot } from "./rules/single-root.js";
import { startReachesJoinParents } from "./rules/start-reaches-join-parents.js";
import { type ResolvedTargets, resolveTargets } from "./targets.js";

/** A join's requirement: each slot is satisfied when any one of its alternatives has fully arrived. */
export interface JoinSpec {
  /** Every static parent, in registration order. */
  readonly parents: readonly string[];
  /** Slots of alternatives; branches of one switch are alternatives of one slot. */
  readonly slots: readonly (readonly (readonly string[])[])[];
  /** Position of each parent in `parents`. */
  readonly parentIndex: ReadonlyMap<string, number>;
  /** `slots` with parents as positions in `parents`. */
  readonly slotParents: readonly (readonly (readonly number[])[])[];
  /** For each parent position, the slots that mention it (an arrival only re-decides those). */
  readonly slotsOf: readonly (readonly number[])[];
  readonly type: "all" | "any";
  readonly timeout: number | undefined;
}

/** One step as the runtime sees it: resolved names only. */
export interface PlanNode {
  readonly name: string;
  readonly kind: StepKind;
  readonly definition: StepDefinition;
  /** Static successors (`to`), resolved. */
  readonly successors: readonly string[];
  /** The map worker. */
  readonly each: string | undefined;
  /** Declared jump targets, or null when the step declares none. */
  readonly routes: ReadonlySet<string> | null;
  /** Switch table by `String(key)`. */
  readonly switchTable: ReadonlyMap<string, string | StopSignal> | undefined;
  readonly switchDefault: string | StopSignal | undefined;
  /** Set when the step has two or more static parents. */
  readonly join: JoinSpec | null;
  /** Number of static parents. */
  readonly parentCount: number;
  /** Position in the plan (0..n-1), for per-step tables kept in arrays. */
  readonly index: number;
}

/** The validated, resolved graph a run executes. */
export interface ExecutionPlan {
  readonly nodes: ReadonlyMap<string, PlanNode>;
  /** Steps nothing points to, in registration order. */
  readonly roots: readonly string[];
}

/** What `analyzeGraph` found. */
export interface GraphAnalysis {
  readonly plan: ExecutionPlan;
  /** Problems that make the definition unusable. */
  readonly errors: DefinitionIssue[];
  /** Problems that are errors in strict mode and warnings otherwise. */
  readonly strictErrors: DefinitionIssue[];
}

/** Options of {@link analyzeGraph}. */
export interface AnalyzeOptions {
  readonly start?: string | undefined;
  readonly allowMultiRoot: boolean;
}

/**
 * Every step `node` can lead to: `to`, the map worker, switch routes and default, and declared
 * `routes`, without duplicates and without `Stop`.
 */
export function targetsOf(node: PlanNode): string[] {
  const targets = new Set<string>(node.successors);
  if (node.each !== undefined) targets.add(node.each);
  for (const target of node.switchTable?.values() ?? []) if (typeof target === "string") targets.add(target);
  if (typeof node.switchDefault === "string") targets.add(node.switchDefault);
  for (const target of node.routes ?? []) targets.add(target);
  return [...targets];
}

/**
 * Resolves every target of the definition, checks the graph (one function per rule, in
 * `rules/`), and builds the execution plan. Pure: no timers, no I/O.
 */
export function analyzeGraph(
  definitions: readonly StepDefinition[],
  resolve: (target: Target) => string | undefined,
  options: AnalyzeOptions,
): GraphAnalysis {
  const names = new Set(definitions.map((definition) => definition.name));
  const targets = resolveTargets(definitions, resolve);
  const { successors, dynamicEdges } = targets;
  const errors: DefinitionIssue[] = [...targets.issues];
  const strictErrors: DefinitionIssue[] = [];
  errors.push(...mapWorkerWithoutTo(definitions, targets));
  errors.push(...mapWorkerNotItsTo(definitions, targets));
  errors.push(...mapNotItsOwnWorker(definitions, targets));

  // Parents (static edges only) and targeted set (every kind of edge).
  const parents = new Map<string, string[]>();
  const targeted = new Set<string>();
  for (const definition of definitions) {
    for (const successor of successors.get(definition.name)!) {
      let list = parents.get(successor);
      if (!list) parents.set(successor, (list = []));
      list.push(definition.name);
      targeted.add(successor);
    }
    // A step that may jump to itself is still a root.
    for (const next of dynamicEdges.get(definition.name)!) if (next !== definition.name) targeted.add(next);
  }
  errors.push(...noStaticCycle(definitions, successors));

  const allEdges = (name: string) => [...successors.get(name)!, ...dynamicEdges.get(name)!];
  const roots = findRoots(definitions, targeted, allEdges);
  const { start } = options;
  if (start !== undefined) errors.push(...knownStart(start, names));
  else if (definitions.length > 0) {
    errors.push(...entryPoint(roots));
    strictErrors.push(...singleRoot(roots, options.allowMultiRoot));
    strictErrors.push(...allReachable(definitions, roots, allEdges));
  }

  const nodes = buildNodes(definitions, targets, parents);
  const entries = start !== undefined && names.has(start) ? [start] : roots;
  errors.push(...joinNotSplitByLoop(nodes, allEdges, entries));
  if (start !== undefined && names.has(start))
    strictErrors.push(...startReachesJoinParents(start, nodes, allEdges));
  return { plan: { nodes, roots }, errors, strictErrors };
}

/** The plan's nodes, with each join's slots. */
function buildNodes(
  definitions: readonly StepDefinition[],
  { resolved, successors }: ResolvedTargets,
  parents: ReadonlyMap<string, readonly string[]>,
): Map<string, PlanNode> {
  const nodes = new Map<string, PlanNode>();
  const switches = definitions.filter((definition) => definition.kind === "switch");
  for (const definition of definitions) {
    const routes = resolved.get(definition.name)!;
    const stepParents = parents.get(definition.name) ?? [];
    let join: JoinSpec | null = null;
    if (stepParents.length >= 2)
      join = joinSpec(stepParents, buildSlots(stepParents, switches, resolved, successors), definition);
    nodes.set(definition.name, {
      name: definition.name,
      kind: definition.kind,
      definition,
      successors: successors.get(definition.name)!,
      each: routes.each,
      routes: routes.routes,
      switchTable: routes.table,
      switchDefault: routes.fallback,
      join,
      parentCount: stepParents.length,
      index: nodes.size,
    });
  }
  return nodes;
}
