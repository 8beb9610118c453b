import { shownValue } from "../errors/messages.js";
import { escapeLabel, humanizeName } from "./labels.js";
import {
  buildModel,
  compareStrings,
  type IntrospectablePipe,
  type ModelEdge,
  type ModelNode,
  type PipeModel,
} from "./model.js";

/** Flow direction of a Mermaid flowchart: top-down (`TD` = `TB`), bottom-up, left-right, right-left. */
export type GraphDirection = "TD" | "TB" | "BT" | "LR" | "RL";

/** Options of `pipe.graph()`. */
export interface GraphOptions {
  /**
   * Direction the diagram flows in.
   * @default "TD"
   * @example
   * ```ts
   * pipe.graph({ direction: "LR" }); // left to right
   * ```
   */
  direction?: GraphDirection;
  /**
   * Show step names as readable labels (`fetchUser` -> "Fetch User", `parse_query` -> "Parse Query").
   * `false` shows every name exactly as registered.
   * @default true
   */
  humanize?: boolean;
}

const DIRECTIONS: readonly GraphDirection[] = ["TD", "TB", "BT", "LR", "RL"];

/** The `classDef` lines every diagram ends with (the original justpipe's palette). */
export const MERMAID_STYLES: readonly string[] = [
  "classDef default fill:#f8f9fa,stroke:#dee2e6,stroke-width:1px;",
  "classDef step fill:#e3f2fd,stroke:#1976d2,stroke-width:2px,color:#0d47a1;",
  "classDef streaming fill:#fff3e0,stroke:#f57c00,stroke-width:2px,color:#e65100;",
  "classDef map fill:#e8f5e9,stroke:#388e3c,stroke-width:2px,color:#1b5e20;",
  "classDef switch fill:#f3e5f5,stroke:#7b1fa2,stroke-width:2px,color:#4a148c;",
  "classDef sub fill:#f1f8e9,stroke:#558b2f,stroke-width:2px,color:#33691e;",
  "classDef isolated fill:#fce4ec,stroke:#c2185b,stroke-width:2px,stroke-dasharray: 5 5,color:#880e4f;",
  "classDef startEnd fill:#e8f5e9,stroke:#388e3c,stroke-width:3px,color:#1b5e20;",
];

const INDENT = "    ";

interface RenderContext {
  readonly direction: GraphDirection;
  readonly label: (name: string) => string;
  /** Pipes being drawn on the path to this one (a sub-pipeline that contains itself is drawn once). */
  readonly ancestors: ReadonlySet<IntrospectablePipe>;
}

/**
 * Renders a pipe as Mermaid flowchart text (see `pipe.graph()` for the layout). Deterministic:
 * the same definition always gives the same bytes.
 *
 * @example
 * ```ts
 * writeFileSync("pipe.mmd", renderMermaid(pipe, { direction: "LR" })); // what pipe.graph() does
 * ```
 */
export function renderMermaid(pipe: IntrospectablePipe, options: GraphOptions = {}): string {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`Expected graph options to be an object, got ${shownValue(options)}.`);
  }
  const direction = options.direction ?? "TD";
  if (!DIRECTIONS.includes(direction)) {
    throw new TypeError(
      `Expected \`direction\` to be one of ${DIRECTIONS.join(", ")}, got ${shownValue(direction)}.`,
    );
  }
  const humanize = options.humanize ?? true;
  const context: RenderContext = {
    direction,
    label: humanize ? humanizeName : (name) => name,
    ancestors: new Set([pipe]),
  };
  const lines = [`graph ${direction}`];
  const model = buildModel(pipe);
  const body = model.nodes.length === 0 ? [`Empty["No steps registered"]`] : renderBody(model, "", context);
  append(lines, indent(body));
  lines.push("");
  append(lines, indent(["%% Styling", ...MERMAID_STYLES]));
  return `${lines.join("\n")}\n`;
}

/** Appends `items` to `out` (a spread `push(...items)` overflows the stack for very large graphs). */
function append(out: string[], items: readonly string[]): void {
  for (const item of items) out.push(item);
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => (line === "" ? "" : INDENT + line));
}

/** The diagram of one pipe, its ids prefixed with `prefix` (`""` at the top, `n1_` in sub-pipeline n1). */
function renderBody(model: PipeModel, prefix: string, context: RenderContext): string[] {
  const sorted = [...model.nodes].sort((a, b) => compareStrings(a.name, b.name));
  const ids = new Map(sorted.map((node, i) => [node.name, `${prefix}n${i}`]));
  const id = (name: string) => ids.get(name)!;
  const start = `${prefix}Start`;
  const end = `${prefix}End`;
  const stopEdges = model.edges.filter((e) => e.target === null);
  const terminals = sorted.filter((n) => n.terminal);
  const hasEnd = terminals.length > 0 || stopEdges.length > 0;
  const out: string[] = [];

  if (model.hooks.startup.length > 0) {
    append(out, hookGroup(`${prefix}startup`, "Startup Hooks", "Startup hook", model.hooks.startup, context));
    out.push(`${prefix}startup --> ${start}`);
  }
  out.push(`${start}(["▶ Start"])`);

  // Each fan-out gets a Parallel box; a step in two fan-outs is drawn in the first one only.
  const grouped = new Set<string>();
  const groups = [...model.groups].sort((a, b) => compareStrings(a.source, b.source));
  const innerDirection = context.direction === "LR" || context.direction === "RL" ? "TB" : "LR";
  for (const group of groups) {
    const members = group.members
      .filter((m) => !grouped.has(m))
      .sort(compareStrings)
      .map((m) => model.byName.get(m)!);
    if (members.length < 2) continue;
    for (const m of members) grouped.add(m.name);
    out.push("", `subgraph ${prefix}parallel_${id(group.source)}[Parallel]`);
    out.push(
      ...indent([`direction ${innerDirection}`, ...members.map((m) => nodeLine(m, id(m.name), context))]),
    );
    out.push("end");
  }

  out.push("");
  for (const node of sorted) {
    if (!grouped.has(node.name) && !node.isolated) out.push(nodeLine(node, id(node.name), context));
  }
  if (hasEnd) {
    out.push(`${end}(["■ End"])`);
    for (const node of terminals) out.push(`${id(node.name)} --> ${end}`);
  }
  if (model.hooks.shutdown.length > 0) {
    out.push(
      ...hookGroup(`${prefix}shutdown`, "Shutdown Hooks", "Shutdown hook", model.hooks.shutdown, context),
    );
    if (hasEnd) out.push(`${end} --> ${prefix}shutdown`);
  }

  out.push("");
  const isolated = sorted.filter((n) => n.isolated);
  for (const root of [...model.roots].sort(compareStrings)) {
    if (!model.byName.get(root)!.isolated) out.push(`${start} --> ${id(root)}`);
  }
  // Isolated steps are roots too: every run starts them (with allowMultiRoot).
  if (isolated.length > 0) out.push(`${start} -. also starts .-> ${prefix}utilities`);
  for (const edge of drawnEdges(model.edges)) {
    const source = id(edge.source);
    const target = edge.target === null ? end : id(edge.target);
    if (edge.kind === "static") out.push(`${source} --> ${target}`);
    else if (edge.kind === "map") out.push(`${source} -. map .-> ${target}`);
    else if (edge.kind === "dynamic") out.push(`${source} -. dynamic .-> ${target}`);
    else out.push(`${source} -- "${escapeLabel(edge.label!)}" --> ${target}`);
  }

  if (isolated.length > 0) {
    out.push("", `subgraph ${prefix}utilities[Utilities]`);
    append(
      out,
      indent(["direction TB", ...isolated.map((n) => `${nodeLine(n, id(n.name), context)}:::isolated`)]),
    );
    out.push("end");
  }

  append(out, classLines(sorted, id, hasEnd ? [start, end] : [start]));

  for (const node of sorted) {
    if (node.kind === "sub") append(out, cluster(node, id(node.name), context));
  }
  return out;
}

/**
 * The edges to draw, sorted by source then target name (routes to `Stop` last). A declared jump
 * (`routes`) that duplicates another edge between the same two steps is not drawn twice.
 */
function drawnEdges(edges: readonly ModelEdge[]): ModelEdge[] {
  const drawn = new Set<string>();
  for (const e of edges) if (e.kind !== "dynamic") drawn.add(JSON.stringify([e.source, e.target]));
  return edges
    .filter((e) => e.kind !== "dynamic" || !drawn.has(JSON.stringify([e.source, e.target])))
    .sort(
      (a, b) =>
        compareStrings(a.source, b.source) ||
        (a.target === null ? 1 : 0) - (b.target === null ? 1 : 0) ||
        compareStrings(a.target ?? "", b.target ?? ""),
    );
}

function nodeLine(node: ModelNode, id: string, context: RenderContext): string {
  let label = escapeLabel(context.label(node.name));
  if (node.anyJoin) label += " (Any)";
  if (node.streaming) label += " ⚡";
  // labelType "string": Mermaid would read a shape-data label as Markdown otherwise.
  if (node.worker) return `${id}@{ shape: procs, label: "${label}", labelType: "string" }`;
  switch (node.kind) {
    case "switch":
      return `${id}{"${label}"}`;
    case "map":
      return `${id}[["${label}"]]`;
    case "sub":
      return `${id}[/"${label}"/]`;
    default:
      return node.streaming ? `${id}(["${label}"])` : `${id}["${label}"]`;
  }
}

function hookGroup(
  groupId: string,
  title: string,
  fallback: string,
  names: readonly string[],
  context: RenderContext,
): string[] {
  const lines = ["direction TB"];
  names.forEach((name, i) => {
    const label = name === "" ? `${fallback} ${i + 1}` : context.label(name);
    lines.push(`${groupId}_${i}>"${escapeLabel(label)}"]`);
    if (i > 0) lines.push(`${groupId}_${i - 1} --> ${groupId}_${i}`);
  });
  return [`subgraph ${groupId}[${title}]`, ...indent(lines), "end"];
}

const CLASS_NAMES = ["isolated", "map", "step", "streaming", "sub", "switch"] as const;

function classOf(node: ModelNode): (typeof CLASS_NAMES)[number] {
  if (node.isolated) return "isolated";
  if (node.kind === "step") return node.streaming ? "streaming" : "step";
  return node.kind;
}

function classLines(
  sorted: readonly ModelNode[],
  id: (name: string) => string,
  startEnd: string[],
): string[] {
  const lines: string[] = [];
  for (const className of CLASS_NAMES) {
    const members = sorted.filter((n) => classOf(n) === className).map((n) => id(n.name));
    if (members.length > 0) lines.push(`class ${members.join(",")} ${className};`);
  }
  lines.push(`class ${startEnd.join(",")} startEnd;`);
  return lines;
}

/** A sub-pipeline, drawn as a nested cluster linked to its step. */
function cluster(node: ModelNode, id: string, context: RenderContext): string[] {
  const child = node.definition.pipeline as IntrospectablePipe | undefined;
  if (child === undefined) return [];
  const title = `${escapeLabel(context.label(node.name))} (${escapeLabel(child.name)})`;
  const prefix = `${id}_`;
  let body: string[];
  let entry: string;
  if (context.ancestors.has(child)) {
    body = [`${prefix}Recursive["↻ ${escapeLabel(child.name)} (drawn above)"]`];
    entry = `${prefix}Recursive`;
  } else {
    const model = buildModel(child);
    const ancestors = new Set(context.ancestors).add(child);
    body =
      model.nodes.length === 0
        ? [`${prefix}Empty["No steps registered"]`]
        : renderBody(model, prefix, { ...context, ancestors });
    entry = model.nodes.length === 0 ? `${prefix}Empty` : `${prefix}Start`;
  }
  return [
    "",
    `subgraph cluster_${id} ["${title}"]`,
    ...indent([`direction ${context.direction}`, ...body]),
    "end",
    `${id} -.- ${entry}`,
  ];
}
