// Type tests: checking `event.type` narrows `event.payload` (and the event) to the matching entry
// of EventPayloadMap; the run's State flows into the payloads that carry it.
import { describe, expectTypeOf, it } from "vitest";
import {
  type BarrierReleasePayload,
  type BarrierWaitPayload,
  type EventOf,
  EventType,
  type MapCompletePayload,
  type MapStartPayload,
  type MapWorkerPayload,
  type PipeEvent,
  type PipelineEndData,
  type ReasonPayload,
  type StepErrorPayload,
  type SuspendPayload,
} from "../../src/index.js";

interface State {
  question: string;
}

declare const event: PipeEvent<State>;

describe("narrowing PipeEvent by type", () => {
  it("narrows each event type to its payload", () => {
    if (event.type === EventType.START) expectTypeOf(event.payload).toEqualTypeOf<State>();
    if (event.type === EventType.TOKEN) expectTypeOf(event.payload).toBeUnknown();
    if (event.type === EventType.STEP_START) expectTypeOf(event.payload).toBeUndefined();
    if (event.type === EventType.STEP_END) expectTypeOf(event.payload).toBeUndefined();
    if (event.type === EventType.STEP_ERROR) expectTypeOf(event.payload).toEqualTypeOf<StepErrorPayload>();
    if (event.type === EventType.SUSPEND) expectTypeOf(event.payload).toEqualTypeOf<SuspendPayload>();
    if (event.type === EventType.TIMEOUT) expectTypeOf(event.payload).toEqualTypeOf<ReasonPayload>();
    if (event.type === EventType.CANCELLED) expectTypeOf(event.payload).toEqualTypeOf<ReasonPayload>();
    if (event.type === EventType.BARRIER_WAIT)
      expectTypeOf(event.payload).toEqualTypeOf<BarrierWaitPayload>();
    if (event.type === EventType.BARRIER_RELEASE)
      expectTypeOf(event.payload).toEqualTypeOf<BarrierReleasePayload>();
    if (event.type === EventType.MAP_START) expectTypeOf(event.payload).toEqualTypeOf<MapStartPayload>();
    if (event.type === EventType.MAP_WORKER) expectTypeOf(event.payload).toEqualTypeOf<MapWorkerPayload>();
    if (event.type === EventType.MAP_COMPLETE)
      expectTypeOf(event.payload).toEqualTypeOf<MapCompletePayload>();
    if (event.type === EventType.FINISH) expectTypeOf(event.payload).toEqualTypeOf<PipelineEndData>();
  });

  it("narrows with the string literal as well as the constant", () => {
    if (event.type === "finish")
      expectTypeOf(event.payload.status).toEqualTypeOf<PipelineEndData["status"]>();
    if (event.type === "step_error") expectTypeOf(event.payload.retrying).toEqualTypeOf<boolean>();
  });

  it("narrows in a switch, and leaves nothing after every case", () => {
    switch (event.type) {
      case EventType.FINISH:
        expectTypeOf(event).toEqualTypeOf<EventOf<"finish", State>>();
        break;
      case EventType.SUSPEND:
        expectTypeOf(event.payload.reason).toBeString();
        break;
      default:
        expectTypeOf(event.type).not.toEqualTypeOf<"finish" | "suspend">();
    }
  });

  it("does not let one event type's payload pass for another's", () => {
    if (event.type === EventType.STEP_ERROR) {
      // @ts-expect-error a step error has no status: that is FINISH's payload
      event.payload.status;
    }
    expectTypeOf<EventOf<"start", State>["payload"]>().not.toEqualTypeOf<PipelineEndData>();
  });
});
