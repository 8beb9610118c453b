/**
 * Introspection and visualization: Mermaid diagrams, JSON descriptions and definition hashes.
 * The `Pipe` methods `graph()`, `describe()` and `hash()` delegate here.
 *
 * @module
 */
export {
  describePipe,
  type EdgeDescription,
  type GroupDescription,
  type JsonValue,
  type NodeDescription,
  type PipeDescription,
  type RetryPolicyDescription,
} from "./describe.js";
export { hashPipe } from "./hash.js";
export { escapeLabel, humanizeName } from "./labels.js";
export { type GraphDirection, type GraphOptions, MERMAID_STYLES, renderMermaid } from "./mermaid.js";
export type { EdgeKind, IntrospectablePipe } from "./model.js";
