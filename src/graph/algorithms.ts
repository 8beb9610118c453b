import type { StepDefinition } from "../model/step-definition.js";

/** The edges out of a step, by name. */
export type Edges = (name: string) => readonly string[];

/**
 * Roots: steps nothing else points to, plus the entry of each loop nothing enters from outside
 * (a loop closed by a switch route or a declared jump): its first-registered step.
 */
export function findRoots(
  definitions: readonly StepDefinition[],
  targeted: ReadonlySet<string>,
  edges: Edges,
): string[] {
  const roots = new Set(
    definitions.filter((definition) => !targeted.has(definition.name)).map((definition) => definition.name),
  );
  const components = stronglyConnected(
    definitions.map((definition) => definition.name),
    (n) => edges(n).filter((m) => m !== n),
  );
  const componentOf = new Map<string, number>();
  components.forEach((c, i) => {
    for (const n of c) componentOf.set(n, i);
  });
  const entered = new Set<number>();
  for (const definition of definitions) {
    for (const next of edges(definition.name)) {
      const c = componentOf.get(next);
      if (c !== undefined && c !== componentOf.get(definition.name)) entered.add(c);
    }
  }
  const order = new Map(definitions.map((definition) => [definition.name, definition.index]));
  components.forEach((component, i) => {
    if (component.length < 2 || entered.has(i)) return;
    // A loop nothing enters from outside starts at its first-registered step.
    roots.add(component.reduce((a, b) => (order.get(a)! <= order.get(b)! ? a : b)));
  });
  return definitions.filter((definition) => roots.has(definition.name)).map((definition) => definition.name);
}

/** Tarjan's strongly connected components. */
export function stronglyConnected(nodes: readonly string[], edges: Edges): string[][] {
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

/** Every step reachable from `from` (included) along `edges`. */
export function reachable(from: readonly string[], edges: Edges): Set<string> {
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

/** Each cycle of static `to` edges, as a path that starts and ends at one step. */
export function findStaticCycles(
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
  for (const definition of definitions)
    if ((color.get(definition.name) ?? WHITE) === WHITE) visit(definition.name);
  return cycles;
}
