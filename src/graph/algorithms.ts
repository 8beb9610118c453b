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

/** Tarjan's strongly connected components, iterative (a chain of 100,000 steps needs no deep stack). */
export function stronglyConnected(nodes: readonly string[], edges: Edges): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  // The DFS path: each frame is a node and how many of its edges it has followed.
  const path: { node: string; next: readonly string[]; at: number }[] = [];
  const enter = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    path.push({ node: v, next: edges(v), at: 0 });
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    enter(root);
    while (path.length > 0) {
      const frame = path[path.length - 1]!;
      const v = frame.node;
      if (frame.at < frame.next.length) {
        const w = frame.next[frame.at++]!;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      path.pop();
      const parent = path[path.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(v)!));
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
    }
  }
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
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>();
  const cycles: string[][] = [];
  // Iterative DFS: the path is the stack, each frame with the successors it has yet to follow.
  const path: string[] = [];
  const cursor: number[] = [];
  for (const definition of definitions) {
    if (color.has(definition.name)) continue;
    color.set(definition.name, GREY);
    path.push(definition.name);
    cursor.push(0);
    while (path.length > 0) {
      const top = path.length - 1;
      const next = successors.get(path[top]!) ?? [];
      if (cursor[top]! < next.length) {
        const to = next[cursor[top]!++]!;
        const state = color.get(to);
        if (state === GREY) cycles.push([...path.slice(path.indexOf(to)), to]);
        else if (state === undefined) {
          color.set(to, GREY);
          path.push(to);
          cursor.push(0);
        }
        continue;
      }
      color.set(path.pop()!, BLACK);
      cursor.pop();
    }
  }
  return cycles;
}
