// Mastra workflows: createWorkflow / createStep with .then, .parallel and .foreach; streaming via the
// step's `writer` and run.stream().
import { createStep, createWorkflow } from "@mastra/core/workflows";
import { z } from "zod";
import { assertCount, type Impl } from "./common.js";

const empty = z.object({});

function noopStep(id: string, counter: { count: number }) {
  return createStep({
    id,
    inputSchema: empty,
    outputSchema: empty,
    execute: async () => {
      counter.count++;
      return {};
    },
  });
}

async function runOnce(workflow: any, inputData: unknown): Promise<any> {
  const run = await workflow.createRun();
  const result = await run.start({ inputData });
  if (result.status !== "success") {
    throw new Error(`workflow ${result.status}: ${String(result.error?.message ?? result.error)}`);
  }
  return result.result;
}

export const impl: Impl = {
  async chain(steps) {
    const counter = { count: 0 };
    let workflow: any = createWorkflow({ id: "w1", inputSchema: empty, outputSchema: empty });
    for (let i = 0; i < steps; i++) workflow = workflow.then(noopStep(`s${i}`, counter));
    workflow = workflow.commit();
    return async () => {
      counter.count = 0;
      await runOnce(workflow, {});
      assertCount("steps run", counter.count, steps);
    };
  },

  async fanout(branches) {
    const counter = { count: 0 };
    const parallel = Array.from({ length: branches }, (_, i) => noopStep(`b${i}`, counter));
    const join = createStep({
      id: "join",
      inputSchema: z.object(Object.fromEntries(parallel.map((step) => [step.id, empty]))),
      outputSchema: empty,
      execute: async () => {
        counter.count++;
        return {};
      },
    });
    const workflow = createWorkflow({ id: "w2", inputSchema: empty, outputSchema: empty })
      .then(noopStep("start", counter))
      .parallel(parallel as any)
      .then(join as any)
      .commit();
    return async () => {
      counter.count = 0;
      await runOnce(workflow, {});
      assertCount("steps run", counter.count, branches + 2);
    };
  },

  async map(items) {
    const counter = { count: 0 };
    const fan = createStep({
      id: "fan",
      inputSchema: empty,
      outputSchema: z.array(z.number()),
      execute: async () => items as number[],
    });
    const work = createStep({
      id: "work",
      inputSchema: z.number(),
      outputSchema: empty,
      execute: async () => {
        counter.count++;
        return {};
      },
    });
    const done = createStep({
      id: "done",
      inputSchema: z.array(empty),
      outputSchema: z.object({ count: z.number() }),
      execute: async ({ inputData }) => ({ count: inputData.length }),
    });
    const workflow = createWorkflow({
      id: "w3",
      inputSchema: empty,
      outputSchema: z.object({ count: z.number() }),
    })
      .then(fan)
      // All items at once, like the baseline's Promise.all (Mastra's default concurrency is 1).
      .foreach(work, { concurrency: items.length })
      .then(done)
      .commit();
    return async () => {
      counter.count = 0;
      const result = await runOnce(workflow, {});
      assertCount("items processed", counter.count, items.length);
      assertCount("results joined", result.count, items.length);
    };
  },

  async stream() {
    const gen = createStep({
      id: "gen",
      inputSchema: z.object({ tokens: z.number() }),
      outputSchema: empty,
      execute: async ({ inputData, writer }) => {
        for (let i = 0; i < inputData.tokens; i++) await writer.write(i);
        return {};
      },
    });
    const workflow = createWorkflow({
      id: "w4",
      inputSchema: z.object({ tokens: z.number() }),
      outputSchema: empty,
    })
      .then(gen)
      .commit();
    return async (tokens, onToken) => {
      const run = await workflow.createRun();
      const output = run.stream({ inputData: { tokens } });
      for await (const chunk of output.fullStream as AsyncIterable<any>) {
        if (chunk.type === "workflow-step-output") onToken(chunk.payload.output);
      }
      const result: any = await output.result;
      if (result.status !== "success") throw new Error(`workflow ${result.status}`);
    };
  },
};
