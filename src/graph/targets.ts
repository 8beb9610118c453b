import type { DefinitionIssue } from "../errors/errors.js";
import { Stop, type StopSignal } from "../model/control.js";
import type { Target } from "../model/handler-types.js";
import type { StepDefinition } from "../model/step-definition.js";
import { unknownTarget } from "./rules/unknown-target.js";

/** A step's targets other than `to`, resolved to step names. */
export interface ResolvedRoutes {
  /** The map worker. */
  each?: string;
  /** Declared jump targets, or null when the step declares none. */
  routes: Set<string> | null;
  /** Switch table by `String(key)`. */
  table?: Map<string, string | StopSignal>;
  /** Switch default. */
  fallback?: string | StopSignal;
}

/** Every target of a definition, resolved to step names, and the targets that name no step. */
export interface ResolvedTargets {
  /** Static successors (`to`) of each step, without duplicates. */
  readonly successors: Map<string, string[]>;
  /** Targets reached other than by `to` (map worker, switch routes, declared routes), by step. */
  readonly dynamicEdges: Map<string, string[]>;
  /** Each step's other targets, resolved. */
  readonly resolved: Map<string, ResolvedRoutes>;
  /** One issue per target that is not a registered step. */
  readonly issues: DefinitionIssue[];
}

/**
 * Resolves every target (`to`, `routes`, `each`, switch routes and default) of every step to a
 * registered step name, with `resolve` (a name or a registered handler to its step name).
 */
export function resolveTargets(
  definitions: readonly StepDefinition[],
  resolve: (target: Target) => string | undefined,
): ResolvedTargets {
  const names = new Set(definitions.map((definition) => definition.name));
  const issues: DefinitionIssue[] = [];
  const resolveOrReport = (step: string, option: string, target: Target): string | undefined => {
    const name = resolve(target);
    if (name !== undefined && names.has(name)) return name;
    issues.push(unknownTarget(step, option, target, names));
    return undefined;
  };
  const successors = new Map<string, string[]>();
  const dynamicEdges = new Map<string, string[]>();
  const resolved = new Map<string, ResolvedRoutes>();
  for (const definition of definitions) {
    const step = definition.name;
    const to: string[] = [];
    for (const target of definition.to) {
      const name = resolveOrReport(step, "to", target);
      if (name !== undefined && !to.includes(name)) to.push(name);
    }
    successors.set(step, to);
    const dynamic: string[] = [];
    let routes: Set<string> | null = null;
    if (definition.routes.length > 0) {
      routes = new Set();
      for (const target of definition.routes) {
        const name = resolveOrReport(step, "routes", target);
        if (name !== undefined) routes.add(name);
      }
      dynamic.push(...routes);
    }
    const entry: ResolvedRoutes = { routes };
    if (definition.kind === "map" && definition.each !== undefined) {
      const name = resolveOrReport(step, "each", definition.each);
      if (name !== undefined) {
        entry.each = name;
        dynamic.push(name);
      }
    }
    if (definition.kind === "switch") resolveSwitch(definition, entry, dynamic, resolveOrReport);
    resolved.set(step, entry);
    dynamicEdges.set(step, dynamic);
  }
  return { successors, dynamicEdges, resolved, issues };
}

function resolveSwitch(
  definition: StepDefinition,
  entry: ResolvedRoutes,
  dynamic: string[],
  resolveOrReport: (step: string, option: string, target: Target) => string | undefined,
): void {
  const step = definition.name;
  if (definition.switchRoutes !== undefined && typeof definition.switchRoutes !== "function") {
    entry.table = new Map();
    for (const [key, target] of Object.entries(definition.switchRoutes)) {
      if (target === Stop) {
        entry.table.set(key, Stop);
        continue;
      }
      const name = resolveOrReport(step, `to['${key}']`, target as Target);
      if (name !== undefined) {
        entry.table.set(key, name);
        dynamic.push(name);
      }
    }
  }
  if (definition.switchDefault !== undefined) {
    if (definition.switchDefault === Stop) entry.fallback = Stop;
    else {
      const name = resolveOrReport(step, "default", definition.switchDefault as Target);
      if (name !== undefined) {
        entry.fallback = name;
        dynamic.push(name);
      }
    }
  }
}
