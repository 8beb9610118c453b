/**
 * Mermaid text from a stored pipeline description (`pipe.describe()` as the store keeps it), for
 * `justpipe pipelines <name>`: the pipeline's code is not loaded, so `pipe.graph()` is not available.
 */

interface StoredNode {
  readonly name: string;
  readonly kind: string;
  readonly streaming?: boolean;
  readonly pipeline?: StoredDescription | { readonly name: string; readonly recursive: true };
}

interface StoredEdge {
  readonly source: string;
  readonly target: string | null;
  readonly kind: string;
  readonly label?: string;
}

/** The fields of a `PipeDescription` the drawing reads. */
export interface StoredDescription {
  readonly name: string;
  readonly nodes: readonly StoredNode[];
  readonly edges: readonly StoredEdge[];
  readonly roots: readonly string[];
}

function quote(text: string): string {
  return `"${text.replace(/"/g, "#quot;")}"`;
}

function shape(node: StoredNode, id: string): string {
  const label = quote(node.name);
  switch (node.kind) {
    case "map":
      return `${id}[[${label}]]`;
    case "switch":
      return `${id}{${label}}`;
    case "sub":
      return `${id}[/${label}/]`;
    default:
      return node.streaming ? `${id}([${label}])` : `${id}[${label}]`;
  }
}

function render(description: StoredDescription, prefix: string, lines: string[], indent: string): void {
  const ids = new Map(description.nodes.map((node, index) => [node.name, `${prefix}n${index}`]));
  const start = `${prefix}Start`;
  const end = `${prefix}End`;
  lines.push(`${indent}${start}(["▶ Start"])`, `${indent}${end}(["■ End"])`);
  for (const node of description.nodes) lines.push(`${indent}${shape(node, ids.get(node.name)!)}`);
  for (const root of description.roots)
    if (ids.has(root)) lines.push(`${indent}${start} --> ${ids.get(root)}`);
  const hasOut = new Set<string>();
  for (const edge of description.edges) {
    const source = ids.get(edge.source);
    if (!source) continue;
    hasOut.add(edge.source);
    const target = edge.target === null ? end : ids.get(edge.target);
    if (!target) continue;
    if (edge.kind === "map") lines.push(`${indent}${source} -. map .-> ${target}`);
    else if (edge.label !== undefined) lines.push(`${indent}${source} -- ${quote(edge.label)} --> ${target}`);
    else if (edge.kind === "dynamic") lines.push(`${indent}${source} -.-> ${target}`);
    else lines.push(`${indent}${source} --> ${target}`);
  }
  const mapTargets = new Set(
    description.edges.filter((edge) => edge.kind === "map").map((edge) => edge.target),
  );
  for (const node of description.nodes) {
    if (!hasOut.has(node.name) && !mapTargets.has(node.name))
      lines.push(`${indent}${ids.get(node.name)} --> ${end}`);
  }
  for (const node of description.nodes) {
    const child = node.pipeline;
    if (!child || !("nodes" in child)) continue;
    const id = ids.get(node.name)!;
    lines.push(`${indent}subgraph ${id}_cluster [${quote(`${node.name} (${child.name})`)}]`);
    render(child, `${id}_`, lines, `${indent}    `);
    lines.push(`${indent}end`, `${indent}${id} -.- ${id}_Start`);
  }
}

/** Draws a stored description as a Mermaid flowchart. */
export function descriptionToMermaid(description: StoredDescription): string {
  const lines = ["graph TD"];
  render(description, "", lines, "    ");
  return lines.join("\n");
}

/** Whether a stored value looks like a pipe description. */
export function isStoredDescription(value: unknown): value is StoredDescription {
  const candidate = value as StoredDescription | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    Array.isArray(candidate.nodes) &&
    Array.isArray(candidate.edges) &&
    Array.isArray(candidate.roots)
  );
}
