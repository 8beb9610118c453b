import { Graph as LayoutGraph, layout } from "@dagrejs/dagre";
import { useMemo } from "preact/hooks";
import type { PipeDescription } from "../api.js";
import { STATUS_LOOK } from "../format.js";
import type { StepState } from "../model/run-view.js";

const NODE_HEIGHT = 34;
const CHAR_WIDTH = 7.4;

interface Placed {
  name: string;
  kind: string;
  x: number;
  y: number;
  width: number;
}

/**
 * The pipeline's graph from its stored `describe()`, laid out by dagre and drawn as SVG. Names
 * are SVG text nodes (never markup). Each step is coloured, and marked with an icon, by what it
 * did in the run.
 */
export function PipelineGraph(props: {
  pipeline: PipeDescription;
  states?: Map<string, StepState>;
  selected?: string | undefined;
  onSelect?: (step: string) => void;
}) {
  const { pipeline, states } = props;
  const placed = useMemo(() => place(pipeline), [pipeline]);
  return (
    <svg
      class="graph"
      role="img"
      aria-label={`Graph of ${pipeline.name}`}
      viewBox={`0 0 ${placed.width} ${placed.height}`}
      width={placed.width}
      height={placed.height}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="10"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" class="graph-arrow" />
        </marker>
      </defs>
      {placed.edges.map((edge) => (
        <g key={edge.key} class={`graph-edge graph-edge-${edge.kind}`}>
          <path d={edge.path} marker-end="url(#arrow)" />
          {edge.label === undefined ? null : (
            <text x={edge.labelX} y={edge.labelY} class="graph-edge-label">
              {edge.label}
            </text>
          )}
        </g>
      ))}
      {placed.nodes.map((node) => {
        const state = states?.get(node.name);
        const look = state === undefined ? undefined : STATUS_LOOK[state];
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: a button (role, tabIndex, Enter/Space) when selectable
          <g
            key={node.name}
            class={`graph-node graph-node-${node.kind} ${state ? `step-${state}` : ""} ${props.selected === node.name ? "graph-node-selected" : ""}`}
            data-step={node.name}
            data-state={state ?? ""}
            transform={`translate(${node.x - node.width / 2},${node.y - NODE_HEIGHT / 2})`}
            tabIndex={props.onSelect ? 0 : -1}
            role={props.onSelect ? "button" : undefined}
            aria-label={`${node.name}${look ? `: ${look.label}` : ""}`}
            onClick={() => props.onSelect?.(node.name)}
            onKeyDown={(event) => {
              if (event.key === "Enter" || event.key === " ") {
                event.preventDefault();
                props.onSelect?.(node.name);
              }
            }}
          >
            <title>{`${node.name} (${node.kind})${look ? `: ${look.label}` : ""}`}</title>
            <rect width={node.width} height={NODE_HEIGHT} rx={node.kind === "switch" ? 14 : 6} />
            <text x={12} y={NODE_HEIGHT / 2 + 4} class="graph-node-text">
              {look ? `${look.icon} ` : ""}
              {node.name}
              {node.kind === "step" ? "" : ` · ${node.kind}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

interface PlacedEdge {
  key: string;
  kind: string;
  path: string;
  label: string | undefined;
  labelX: number;
  labelY: number;
}

function place(pipeline: PipeDescription): {
  nodes: Placed[];
  edges: PlacedEdge[];
  width: number;
  height: number;
} {
  const graph = new LayoutGraph({ multigraph: true });
  graph.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 38, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const hasEnd = pipeline.edges.some((edge) => edge.target === null);
  const nodes = [...pipeline.nodes.map((node) => ({ name: node.name, kind: node.kind as string }))];
  if (hasEnd) nodes.push({ name: "⏹ stop", kind: "end" });
  for (const node of nodes) {
    const label = `✓ ${node.name}${node.kind === "step" ? "" : ` · ${node.kind}`}`;
    graph.setNode(node.name, { width: Math.max(70, label.length * CHAR_WIDTH + 24), height: NODE_HEIGHT });
  }
  pipeline.edges.forEach((edge, index) => {
    const target = edge.target ?? "⏹ stop";
    if (!graph.hasNode(target)) return;
    graph.setEdge(
      edge.source,
      target,
      { label: edge.label, width: edge.label ? edge.label.length * 6 : 0, height: edge.label ? 14 : 0 },
      `e${index}`,
    );
  });
  layout(graph);
  const placedNodes: Placed[] = nodes.map((node) => {
    const laid = graph.node(node.name);
    return { name: node.name, kind: node.kind, x: laid.x, y: laid.y, width: laid.width };
  });
  const edges: PlacedEdge[] = graph
    .edges()
    .map((reference: { v: string; w: string; name?: string }, index: number) => {
      const edge = graph.edge(reference) as {
        points: { x: number; y: number }[];
        label?: string;
        x?: number;
        y?: number;
      };
      const description = pipeline.edges[Number(reference.name?.slice(1))];
      const path = edge.points
        .map((point, at) => `${at === 0 ? "M" : "L"}${point.x.toFixed(1)},${point.y.toFixed(1)}`)
        .join(" ");
      return {
        key: `${reference.v}->${reference.w}-${index}`,
        kind: description?.kind ?? "static",
        path,
        label: edge.label,
        labelX: edge.x ?? 0,
        labelY: edge.y ?? 0,
      };
    });
  const info = graph.graph() as { width?: number; height?: number };
  return {
    nodes: placedNodes,
    edges,
    width: Math.ceil(info.width ?? 200),
    height: Math.ceil(info.height ?? 100),
  };
}
