import { didYouMean } from "../errors/did-you-mean.js";
import type { DefinitionIssue } from "../errors/errors.js";
import { Stop, type StopSignal } from "../model/control.js";
import type { Target } from "../model/handler-types.js";
import type { StepDefinition, StepKind } from "../model/step-definition.js";

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

type Resolve = (target: Target) => string | undefined;

/**
 * Every step `node` can lead to: `to`, the map worker, switch routes and default, and declared
 * `routes`, without duplicates and without `Stop`.
 */
export function targetsOf(node: PlanNode): string[] {
  const targets = new Set<string>(node.successors);
  if (node.each !== undefined) targets.add(node.each);
  for (const t of node.switchTable?.values() ?? []) if (typeof t === "string") targets.add(t);
  if (typeof node.switchDefault === "string") targets.add(node.switchDefault);
  for (const t of node.routes ?? []) targets.add(t);
  return [...targets];
}

/**
 * Resolves every target of the definition, checks the graph, and builds the execution plan.
 * Pure: no timers, no I/O.
 */
export function analyzeGraph(
  definitions: readonly StepDefinition[],
  resolve: Resolve,
  options: AnalyzeOptions,
): GraphAnalysis {
  const errors: DefinitionIssue[] = [];
  const strictErrors: DefinitionIssue[] = [];
  const names = new Set(definitions.map((d) => d.name));
  const sortedNames = [...names].sort();

  const resolveOrReport = (step: string, option: string, target: Target): string | undefined => {
    const name = resolve(target);
    if (name !== undefined && names.has(name)) return name;
    if (typeof target === "function") {
      errors.push({
        step,
        message: `Step '${step}' has \`${option}\` pointing at function ${target.name || "(anonymous)"}, which is not registered on this pipe. Register it with pipe.step(...) first, or pass the step's name.`,
      });
    } else {
      const hint = didYouMean(String(target), names);
      errors.push({
        step,
        message: `Step '${step}' has \`${option}\` pointing at unknown step '${String(target)}'.${hint || ` Available steps: ${sortedNames.join(", ")}.`} Register '${String(target)}' with pipe.step() or fix the name.`,
      });
    }
    return undefined;
  };

  // Resolve targets.
  const successors = new Map<string, string[]>();
  const dynamicEdges = new Map<string, string[]>();
  const resolved = new Map<
    string,
    {
      each?: string;
      routes: Set<string> | null;
      table?: Map<string, string | StopSignal>;
      fallback?: string | StopSignal;
    }
  >();
  for (const d of definitions) {
    const to: string[] = [];
    for (const t of d.to) {
      const n = resolveOrReport(d.name, "to", t);
      if (n !== undefined && !to.includes(n)) to.push(n);
    }
    successors.set(d.name, to);
    const dynamic: string[] = [];
    let routes: Set<string> | null = null;
    if (d.routes.length > 0) {
      routes = new Set();
      for (const t of d.routes) {
        const n = resolveOrReport(d.name, "routes", t);
        if (n !== undefined) routes.add(n);
      }
      dynamic.push(...routes);
    }
    const entry: {
      each?: string;
      routes: Set<string> | null;
      table?: Map<string, string | StopSignal>;
      fallback?: string | StopSignal;
    } = { routes };
    if (d.kind === "map" && d.each !== undefined) {
      const n = resolveOrReport(d.name, "each", d.each);
      if (n !== undefined) {
        entry.each = n;
        dynamic.push(n);
      }
    }
    if (d.kind === "switch") {
      if (d.switchRoutes !== undefined && typeof d.switchRoutes !== "function") {
        entry.table = new Map();
        for (const [key, t] of Object.entries(d.switchRoutes)) {
          if (t === Stop) {
            entry.table.set(key, Stop);
            continue;
          }
          const n = resolveOrReport(d.name, `to['${key}']`, t as Target);
          if (n !== undefined) {
            entry.table.set(key, n);
            dynamic.push(n);
          }
        }
      }
      if (d.switchDefault !== undefined) {
        if (d.switchDefault === Stop) entry.fallback = Stop;
        else {
          const n = resolveOrReport(d.name, "default", d.switchDefault as Target);
          if (n !== undefined) {
            entry.fallback = n;
            dynamic.push(n);
          }
        }
      }
    }
    resolved.set(d.name, entry);
    dynamicEdges.set(d.name, dynamic);
  }

  // Map workers may not have their own `to`.
  for (const d of definitions) {
    const worker = resolved.get(d.name)?.each;
    if (worker !== undefined && (successors.get(worker)?.length ?? 0) > 0) {
      errors.push({
        step: worker,
        message: `Step '${worker}' is the worker of map '${d.name}' but has its own \`to\`, which a worker cannot follow. Remove \`to\` from '${worker}' and put the next step in the map's \`to\` (it runs once after every item), or use pipe.sub() for a sequence of steps per item.`,
      });
    }
  }

  // Parents (static edges only) and targeted set (every kind of edge).
  const parents = new Map<string, string[]>();
  const targeted = new Set<string>();
  for (const d of definitions) {
    for (const s of successors.get(d.name)!) {
      let list = parents.get(s);
      if (!list) parents.set(s, (list = []));
      list.push(d.name);
      targeted.add(s);
    }
    // A step that may jump to itself is still a root.
    for (const s of dynamicEdges.get(d.name)!) if (s !== d.name) targeted.add(s);
  }

  // Cycles of static edges.
  for (const cycle of findStaticCycles(definitions, successors)) {
    errors.push({
      step: cycle[0]!,
      message: `Steps form a cycle of static \`to\` edges: ${cycle.join(" -> ")}. A loop must pass through a switch route or a returned jump (declare it with \`routes\`); remove one of these \`to\` edges.`,
    });
  }

  const allEdges = (name: string) => [...successors.get(name)!, ...dynamicEdges.get(name)!];
  const roots = findRoots(definitions, targeted, allEdges);

  const { start } = options;
  if (start !== undefined && !names.has(start)) {
    errors.push({
      step: start,
      message: `run({ start }) names unknown step '${start}'.${didYouMean(start, names) || ` Available steps: ${sortedNames.join(", ")}.`} Pass a registered step's name or handler.`,
    });
  } else if (definitions.length > 0 && start === undefined) {
    if (roots.length === 0) {
      errors.push({
        step: "system",
        message:
          "The pipeline has no entry point: every step is the target of another. Remove one `to` edge so a step starts the run, or pass run(state, { start }).",
      });
    } else if (roots.length > 1 && !options.allowMultiRoot) {
      strictErrors.push({
        step: roots[1]!,
        message: `The pipeline has ${roots.length} root steps (${roots.join(", ")}), which would all start at once. Connect them with \`to\`, declare the steps a step jumps to with its \`routes\` option, pass run(state, { start }), or set allowMultiRoot: true on the Pipe.`,
      });
    }
    const reached = reachable(roots, allEdges);
    const unreachable = definitions.filter((d) => !reached.has(d.name)).map((d) => d.name);
    if (unreachable.length > 0 && roots.length > 0) {
      strictErrors.push({
        step: unreachable[0]!,
        message: `Steps not reachable from any root: ${unreachable.join(", ")}. Connect them with \`to\`, a switch route or \`routes\`, or remove them.`,
      });
    }
  }

  // Joins and their slots.
  const nodes = new Map<string, PlanNode>();
  const switches = definitions.filter((d) => d.kind === "switch");
  for (const d of definitions) {
    const r = resolved.get(d.name)!;
    const ps = parents.get(d.name) ?? [];
    let join: JoinSpec | null = null;
    if (ps.length >= 2) join = joinSpec(ps, buildSlots(ps, switches, resolved, successors), d);
    nodes.set(d.name, {
      name: d.name,
      kind: d.kind,
      definition: d,
      successors: successors.get(d.name)!,
      each: r.each,
      routes: r.routes,
      switchTable: r.table,
      switchDefault: r.fallback,
      join,
      parentCount: ps.length,
      index: nodes.size,
    });
  }

  // An all-join some of whose parents come back to it in a loop, while others do not, can never
  // gather a full wave: the first pass waits for the loop, later passes for the others.
  for (const [name, node] of nodes) {
    const join = node.join;
    if (join === null || join.type !== "all") continue;
    const downstream = reachable(allEdges(name), allEdges);
    const looping: string[] = [];
    let external: string[] = [];
    for (const slot of join.slots) {
      const inLoop = slot.map((alternative) => alternative.some((p) => downstream.has(p)));
      if (inLoop.every(Boolean)) looping.push(...slot.flat().filter((p) => downstream.has(p)));
      else if (!inLoop.some(Boolean)) external = [...external, ...slot.flat()];
    }
    if (looping.length > 0 && external.length > 0) {
      const loop = [...new Set(looping)].sort();
      errors.push({
        step: name,
        message: `Step '${name}' waits for all of [${[...join.parents].sort().join(", ")}], but ${loop.map((p) => `'${p}'`).join(", ")} only run${loop.length === 1 ? "s" : ""} after '${name}' itself (a loop back into the join) while ${[
          ...new Set(external),
        ]
          .sort()
          .map((p) => `'${p}'`)
          .join(
            ", ",
          )} do${external.length === 1 ? "es" : ""} not, so '${name}' can never gather all its parents. Loop back with a returned jump (return '${name}' and declare it in \`routes\`) instead of a \`to\` edge, or set barrierType: 'any' on '${name}'.`,
      });
    }
  }

  // From `start`, every all-join must be able to fire.
  if (start !== undefined && names.has(start)) {
    const reached = reachable([start], allEdges);
    for (const name of reached) {
      const join = nodes.get(name)!.join;
      if (join?.type !== "all") continue;
      const missing = join.slots.filter((slot) => !slot.some((alt) => alt.every((p) => reached.has(p))));
      if (missing.length > 0) {
        const parentsMissing = [...new Set(missing.flat(2).filter((p) => !reached.has(p)))].sort();
        strictErrors.push({
          step: name,
          message: `Step '${name}' waits for all of [${[...join.parents].sort().join(", ")}], but run({ start: '${start}' }) cannot reach ${parentsMissing.join(", ")}, so it would never run. Start from a step upstream of every parent, or set barrierType: 'any' on '${name}'.`,
        });
      }
    }
  }

  return { plan: { nodes, roots }, errors, strictErrors };
}

/**
 * Roots: steps nothing else points to, plus the entry of each loop nothing enters from outside
 * (a loop closed by a switch route or a declared jump): its first-registered step.
 */
function findRoots(
  definitions: readonly StepDefinition[],
  targeted: ReadonlySet<string>,
  edges: (name: string) => readonly string[],
): string[] {
  const roots = new Set(definitions.filter((d) => !targeted.has(d.name)).map((d) => d.name));
  const components = stronglyConnected(
    definitions.map((d) => d.name),
    (n) => edges(n).filter((m) => m !== n),
  );
  const componentOf = new Map<string, number>();
  components.forEach((c, i) => {
    for (const n of c) componentOf.set(n, i);
  });
  const entered = new Set<number>();
  for (const d of definitions) {
    for (const next of edges(d.name)) {
      const c = componentOf.get(next);
      if (c !== undefined && c !== componentOf.get(d.name)) entered.add(c);
    }
  }
  const order = new Map(definitions.map((d) => [d.name, d.index]));
  components.forEach((component, i) => {
    if (component.length < 2 || entered.has(i)) return;
    // A loop nothing enters from outside starts at its first-registered step.
    roots.add(component.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b)));
  });
  return definitions.filter((d) => roots.has(d.name)).map((d) => d.name);
}

/** Tarjan's strongly connected components. */
function stronglyConnected(nodes: readonly string[], edges: (name: string) => readonly string[]): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges(v)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component);
    }
  };
  for (const n of nodes) if (!index.has(n)) visit(n);
  return out;
}

function reachable(from: readonly string[], edges: (name: string) => readonly string[]): Set<string> {
  const seen = new Set<string>(from);
  const stack = [...from];
  while (stack.length > 0) {
    const name = stack.pop()!;
    for (const next of edges(name)) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}

function findStaticCycles(
  definitions: readonly StepDefinition[],
  successors: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (name: string): void => {
    color.set(name, GREY);
    path.push(name);
    for (const next of successors.get(name) ?? []) {
      const c = color.get(next) ?? WHITE;
      if (c === GREY) cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (c === WHITE) visit(next);
    }
    path.pop();
    color.set(name, BLACK);
  };
  for (const d of definitions) if ((color.get(d.name) ?? WHITE) === WHITE) visit(d.name);
  return cycles;
}

/** A join's spec, with the position tables its barrier works from. */
function joinSpec(parents: readonly string[], slots: string[][][], d: StepDefinition): JoinSpec {
  const parentIndex = new Map(parents.map((p, i) => [p, i]));
  const slotParents = slots.map((slot) =>
    slot.map((alternative) => alternative.map((p) => parentIndex.get(p)!)),
  );
  const slotsOf: number[][] = parents.map(() => []);
  slotParents.forEach((slot, s) => {
    for (const position of new Set(slot.flat())) slotsOf[position]!.push(s);
  });
  return {
    parents,
    slots,
    parentIndex,
    slotParents,
    slotsOf,
    type: d.barrierType,
    timeout: d.barrierTimeout,
  };
}

/**
 * Groups a join's parents into slots. Parents reached from different routes of one switch are
 * alternatives (only one branch runs), so the join waits for the branch that was taken.
 */
function buildSlots(
  parents: readonly string[],
  switches: readonly StepDefinition[],
  resolved: ReadonlyMap<string, { table?: Map<string, string | StopSignal>; fallback?: string | StopSignal }>,
  successors: ReadonlyMap<string, readonly string[]>,
): string[][][] {
  const assigned = new Set<string>();
  const slots: string[][][] = [];
  for (const sw of switches) {
    const r = resolved.get(sw.name);
    const targets = new Set<string>();
    for (const t of r?.table?.values() ?? []) if (typeof t === "string") targets.add(t);
    if (typeof r?.fallback === "string") targets.add(r.fallback);
    if (targets.size < 2) continue;
    const groups: string[][] = [];
    const owner = new Map<string, number>();
    let index = 0;
    for (const t of targets) {
      const reach = reachable([t], (n) => successors.get(n) ?? []);
      const group = parents.filter((p) => !assigned.has(p) && reach.has(p));
      for (const p of group) owner.set(p, owner.has(p) ? -1 : index);
      groups.push(group);
      index++;
    }
    const exclusive = groups.map((g, i) => g.filter((p) => owner.get(p) === i)).filter((g) => g.length > 0);
    if (exclusive.length < 2) continue;
    for (const g of exclusive) for (const p of g) assigned.add(p);
    slots.push(exclusive);
  }
  for (const p of parents) if (!assigned.has(p)) slots.push([[p]]);
  return slots;
}
