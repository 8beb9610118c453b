// LlamaIndex workflow-core: events (workflowEvent) and handlers; fan-out and map by sending events and
// collecting the answers from the context's stream; streaming by sending token events to the caller.
import { createWorkflow, type WorkflowEvent, workflowEvent } from "@llamaindex/workflow-core";
import { assertCount, type Impl } from "./common.js";

/** Starts one run with `start` and resolves when `stop` reaches the caller's stream. */
async function runUntil(
  workflow: ReturnType<typeof createWorkflow>,
  start: ReturnType<WorkflowEvent<any>["with"]>,
  stop: WorkflowEvent<any>,
): Promise<void> {
  const { stream, sendEvent } = workflow.createContext();
  sendEvent(start);
  await stream.untilEvent(stop);
}

export const impl: Impl = {
  async chain(steps) {
    let count = 0;
    const events = Array.from({ length: steps + 1 }, (_, i) => workflowEvent({ debugLabel: `e${i}` }));
    const workflow = createWorkflow();
    for (let i = 0; i < steps; i++) {
      const next = events[i + 1]!;
      workflow.handle([events[i]!], async () => {
        count++;
        return next.with();
      });
    }
    return async () => {
      count = 0;
      await runUntil(workflow, events[0]!.with(), events[steps]!);
      assertCount("steps run", count, steps);
    };
  },

  async fanout(branches) {
    let count = 0;
    const start = workflowEvent({ debugLabel: "start" });
    const branchEvents = Array.from({ length: branches }, (_, i) => workflowEvent({ debugLabel: `b${i}` }));
    const doneEvents = Array.from({ length: branches }, (_, i) => workflowEvent({ debugLabel: `b${i}Done` }));
    const stop = workflowEvent({ debugLabel: "stop" });
    const workflow = createWorkflow();
    workflow.handle([start], async (context) => {
      count++;
      context.sendEvent(...branchEvents.map((event) => event.with()));
    });
    branchEvents.forEach((event, i) => {
      const done = doneEvents[i]!;
      workflow.handle([event], async () => {
        count++;
        return done.with();
      });
    });
    // A handler that accepts several events runs once all of them have arrived: the join.
    workflow.handle(doneEvents, async () => {
      count++;
      return stop.with();
    });
    return async () => {
      count = 0;
      await runUntil(workflow, start.with(), stop);
      assertCount("steps run", count, branches + 2);
    };
  },

  async map(items) {
    let count = 0;
    let collected = 0;
    let done = false;
    const fan = workflowEvent({ debugLabel: "fan" });
    const item = workflowEvent<number>({ debugLabel: "item" });
    const itemDone = workflowEvent<number>({ debugLabel: "itemDone" });
    const join = workflowEvent<number>({ debugLabel: "join" });
    const stop = workflowEvent({ debugLabel: "stop" });
    const workflow = createWorkflow();
    workflow.handle([fan], async (context) => {
      for (const value of items) context.sendEvent(item.with(value));
    });
    workflow.handle([item], async (_context, event) => {
      count++;
      return itemDone.with(event.data);
    });
    // Collect the results in a handler: an event that no handler accepts stays in the context's
    // queue, which is scanned on every send (the README's `stream.filter(...).take(n)` collector
    // makes the map quadratic: 10,000 items take ~10 s, 20,000 ~47 s).
    workflow.handle([itemDone], () => {
      if (++collected === items.length) return join.with(collected);
    });
    workflow.handle([join], async (_context, event) => {
      assertCount("results joined", event.data, items.length);
      done = true;
      return stop.with();
    });
    return async () => {
      count = 0;
      collected = 0;
      done = false;
      await runUntil(workflow, fan.with(), stop);
      assertCount("items processed", count, items.length);
      if (!done) throw new Error("the join handler did not run");
    };
  },

  async stream() {
    const gen = workflowEvent<number>({ debugLabel: "gen" });
    const token = workflowEvent<number>({ debugLabel: "token" });
    const stop = workflowEvent({ debugLabel: "stop" });
    const workflow = createWorkflow();
    workflow.handle([gen], async (context, event) => {
      for (let i = 0; i < event.data; i++) context.sendEvent(token.with(i));
      return stop.with();
    });
    return async (tokens, onToken) => {
      const { stream, sendEvent } = workflow.createContext();
      sendEvent(gen.with(tokens));
      for await (const event of stream) {
        if (token.include(event)) onToken(event.data);
        else if (stop.include(event)) break;
      }
    };
  },
};
