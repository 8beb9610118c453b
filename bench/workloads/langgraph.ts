// LangGraph.js: StateGraph with addNode/addEdge, fan-out by several edges, map by `Send` from a
// conditional edge, streaming with streamMode "custom" and the node's config.writer.
import { Annotation, END, type LangGraphRunnableConfig, Send, START, StateGraph } from "@langchain/langgraph";
import { assertCount, type Impl } from "./common.js";

// Nodes return {} (no state update): the work is counted by a closure, as in the other libraries.
const State = Annotation.Root({ items: Annotation<readonly number[]>(), tokens: Annotation<number>() });
type S = typeof State.State;

export const impl: Impl = {
  async chain(steps) {
    let count = 0;
    const graph: any = new StateGraph(State);
    for (let i = 0; i < steps; i++) {
      graph.addNode(`s${i}`, async () => {
        count++;
        return {};
      });
    }
    graph.addEdge(START, "s0");
    for (let i = 0; i + 1 < steps; i++) graph.addEdge(`s${i}`, `s${i + 1}`);
    graph.addEdge(`s${steps - 1}`, END);
    const app = graph.compile();
    return async () => {
      count = 0;
      await app.invoke({});
      assertCount("steps run", count, steps);
    };
  },

  async fanout(branches) {
    let count = 0;
    const noop = async () => {
      count++;
      return {};
    };
    const names = Array.from({ length: branches }, (_, i) => `b${i}`);
    const graph: any = new StateGraph(State).addNode("start", noop).addNode("join", noop);
    for (const name of names) graph.addNode(name, noop);
    graph.addEdge(START, "start");
    for (const name of names) graph.addEdge("start", name);
    graph.addEdge(names, "join"); // join waits for every branch
    graph.addEdge("join", END);
    const app = graph.compile();
    return async () => {
      count = 0;
      await app.invoke({});
      assertCount("steps run", count, branches + 2);
    };
  },

  async map(items) {
    let count = 0;
    let done = false;
    const app = new StateGraph(State)
      .addNode("fan", async () => ({}))
      .addNode("work", async (_input: { item: number }) => {
        count++;
        return {};
      })
      .addNode("done", async () => {
        done = true;
        return {};
      })
      .addEdge(START, "fan")
      .addConditionalEdges("fan", (state: S) => state.items.map((item) => new Send("work", { item })))
      .addEdge("work", "done")
      .addEdge("done", END)
      .compile();
    return async () => {
      count = 0;
      done = false;
      await app.invoke({ items });
      assertCount("items processed", count, items.length);
      if (!done) throw new Error("the join node did not run");
    };
  },

  async stream() {
    const app = new StateGraph(State)
      .addNode("gen", async (state: S, config: LangGraphRunnableConfig) => {
        for (let i = 0; i < state.tokens; i++) config.writer?.(i);
        return {};
      })
      .addEdge(START, "gen")
      .addEdge("gen", END)
      .compile();
    return async (tokens, onToken) => {
      for await (const chunk of await app.stream({ tokens }, { streamMode: "custom" })) onToken(chunk);
    };
  },
};
