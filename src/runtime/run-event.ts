import type { EventType, NodeKind } from "../events/types.js";

/** Lineage an event copies from the invocation it belongs to. */
export interface Lineage {
  readonly id: string;
  readonly parentInvocationId: string | null;
  readonly ownerInvocationId: string;
  readonly attempt: number;
  readonly scope: readonly string[];
}

const NO_SCOPE: readonly string[] = Object.freeze([]);

/** The runtime's event object: one shape for every type, so the hot path stays monomorphic. */
export class RunEvent {
  type: EventType;
  stage: string;
  payload: unknown;
  timestamp: number;
  runId: string;
  originRunId: string;
  parentRunId: string | null;
  seq: number;
  nodeKind: NodeKind;
  invocationId: string | null;
  parentInvocationId: string | null;
  ownerInvocationId: string | null;
  attempt: number;
  scope: readonly string[];
  meta: Readonly<Record<string, unknown>> | null;

  constructor(
    type: EventType,
    stage: string,
    payload: unknown,
    timestamp: number,
    runId: string,
    nodeKind: NodeKind,
    lineage: Lineage | null,
    seq: number,
    meta: Readonly<Record<string, unknown>> | null = null,
  ) {
    this.type = type;
    this.stage = stage;
    this.payload = payload;
    this.timestamp = timestamp;
    this.runId = runId;
    this.originRunId = runId;
    this.parentRunId = null;
    this.seq = seq;
    this.nodeKind = nodeKind;
    if (lineage === null) {
      this.invocationId = null;
      this.parentInvocationId = null;
      this.ownerInvocationId = null;
      this.attempt = 1;
      this.scope = NO_SCOPE;
    } else {
      this.invocationId = lineage.id;
      this.parentInvocationId = lineage.parentInvocationId;
      this.ownerInvocationId = lineage.ownerInvocationId;
      this.attempt = lineage.attempt;
      this.scope = lineage.scope;
    }
    this.meta = meta;
  }
}
