import { nodeCrypto } from "../runtime/builtins.js";
import { buildModel, compareStrings, type IntrospectablePipe } from "./model.js";

/**
 * A stable identity of a pipeline definition: the first 16 hex characters of the SHA-256 of a
 * canonical JSON document (see `pipe.hash()` for what it covers).
 *
 * @example
 * ```ts
 * hashPipe(pipe); // "3f2a9c0d41b7e865", what pipe.hash() returns
 * ```
 */
export function hashPipe(pipe: IntrospectablePipe): string {
  return hashWith(pipe, new Set());
}

/** The document that is hashed; exported for tests and for tools that want to diff two definitions. */
export function canonicalDefinition(pipe: IntrospectablePipe): string {
  return canonical(pipe, new Set());
}

function hashWith(pipe: IntrospectablePipe, ancestors: ReadonlySet<IntrospectablePipe>): string {
  return nodeCrypto()
    .createHash("sha256")
    .update(canonical(pipe, ancestors), "utf8")
    .digest("hex")
    .slice(0, 16);
}

function canonical(pipe: IntrospectablePipe, ancestors: ReadonlySet<IntrospectablePipe>): string {
  const model = buildModel(pipe);
  const inner = new Set(ancestors).add(pipe);
  const steps = model.nodes
    .map((n) => [n.name, n.kind, n.definition.barrierType])
    .sort((a, b) => compareStrings(a[0]!, b[0]!));
  const edges = model.edges
    .map((e) => JSON.stringify([e.source, e.target, e.kind, e.label ?? null]))
    .sort(compareStrings)
    .map((e) => JSON.parse(e) as unknown);
  const subs: [string, string][] = [];
  for (const n of model.nodes) {
    const child = n.definition.pipeline as IntrospectablePipe | undefined;
    if (child === undefined) continue;
    // A pipe that contains itself cannot run; it still gets a finite, stable hash.
    subs.push([n.name, inner.has(child) ? `recursive:${child.name}` : hashWith(child, inner)]);
  }
  subs.sort((a, b) => compareStrings(a[0], b[0]));
  return JSON.stringify({ format: 1, name: pipe.name, steps, edges, subs });
}
