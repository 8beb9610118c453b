/**
 * The real Mermaid parser in Node. Mermaid sanitises labels with DOMPurify, which needs a DOM when
 * it is imported, so a happy-dom window is installed as `window`/`document` first and Mermaid is
 * imported once per test file (the import takes about a second).
 */
import { Window } from "happy-dom";
import type { Mermaid } from "mermaid";

/** What a test needs from Mermaid's flowchart database after parsing. */
export interface ParsedFlowchart {
  /** `flowchart-v2` for our output. */
  readonly type: string;
  /** Node id -> label as the browser would show it (entity codes and HTML entities decoded). */
  readonly labels: ReadonlyMap<string, string>;
  /** Node id -> Mermaid shape (`square`, `stadium`, `diamond`, `procs`, ...). */
  readonly shapes: ReadonlyMap<string, string>;
  readonly edges: readonly { start: string; end: string; label: string; stroke: string }[];
  readonly subgraphs: readonly { id: string; title: string; nodes: readonly string[] }[];
}

interface FlowDb {
  getVertices(): Map<string, { text?: string; type?: string }>;
  getEdges(): { start: string; end: string; text: string; stroke: string }[];
  getSubGraphs(): { id: string; title: string; nodes: string[] }[];
}

let window: Window | undefined;
let loaded: Promise<Mermaid> | undefined;
const installed: string[] = [];

/** Installs the DOM shim and imports Mermaid (once). */
export function loadMermaid(): Promise<Mermaid> {
  if (loaded === undefined) {
    window = new Window();
    for (const [key, value] of [
      ["window", window],
      ["document", window.document],
    ] as const) {
      if (!(key in globalThis)) {
        Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
        installed.push(key);
      }
    }
    loaded = import("mermaid").then(({ default: mermaid }) => {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
      return mermaid;
    });
  }
  return loaded;
}

/** Removes the DOM shim (call in `afterAll`). */
export async function unloadMermaid(): Promise<void> {
  for (const key of installed.splice(0)) delete (globalThis as Record<string, unknown>)[key];
  await window?.happyDOM.close();
  window = undefined;
}

/** Parses flowchart text with the real Mermaid parser; rejects with Mermaid's error when invalid. */
export async function parseFlowchart(text: string): Promise<ParsedFlowchart> {
  const mermaid = await loadMermaid();
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as FlowDb;
  const labels = new Map<string, string>();
  const shapes = new Map<string, string>();
  for (const [id, vertex] of db.getVertices()) {
    labels.set(id, displayed(vertex.text ?? id));
    shapes.set(id, vertex.type ?? "");
  }
  return {
    type: diagram.type,
    labels,
    shapes,
    edges: db
      .getEdges()
      .map((e) => ({ start: e.start, end: e.end, label: displayed(e.text), stroke: e.stroke })),
    subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: displayed(s.title), nodes: s.nodes })),
  };
}

/**
 * The text a browser shows for a parsed label: Mermaid keeps entity codes as placeholders
 * (`#quot;` -> `ﬂ°quot¶ß`) and turns them into HTML entities when it renders an HTML label.
 */
function displayed(text: string): string {
  const html = text.replace(/ﬂ°°/g, "&#").replace(/ﬂ°/g, "&").replace(/¶ß/g, ";");
  const element = window!.document.createElement("span");
  element.innerHTML = html;
  return element.textContent ?? "";
}
