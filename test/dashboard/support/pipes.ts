// Small real pipes whose runs fill the dashboard's test stores.
import { Pipe, Suspend } from "justpipe";

export interface DemoState {
  question: string;
  answer: string;
  sources: string[];
}

/** search (map over 3 queries) -> rank -> answer (streams tokens). */
export function ragPipe(name = "rag"): Pipe<DemoState> {
  const pipe = new Pipe<DemoState>({ name });
  pipe.step("answer", async function* ({ state }) {
    for (const word of ["Paris", " is", " the", " capital."]) {
      state.answer += word;
      yield word;
    }
  });
  pipe.step(
    "rank",
    async ({ state }) => {
      state.sources.sort();
    },
    { to: "answer" },
  );
  pipe.step("fetch_doc", async ({ state }) => {
    state.sources.push(`doc-${state.sources.length}`);
  });
  pipe.map("search", async () => ["a", "b", "c"], { each: "fetch_doc", to: "rank" });
  return pipe;
}

/** load -> (enrich | validate) -> store; validate throws unless `fail` is false. */
export function failingPipe(name = "ingest", fail = true): Pipe<DemoState> {
  const pipe = new Pipe<DemoState>({ name });
  pipe.step("store", async () => {});
  pipe.step(
    "validate",
    async () => {
      if (fail) throw new Error("schema mismatch: field `price` is not a number");
    },
    { to: "store" },
  );
  pipe.step("enrich", async () => {}, { to: "store" });
  pipe.step("load", async () => {}, { to: ["enrich", "validate"] });
  return pipe;
}

/** review suspends for a human. */
export function suspendingPipe(name = "approval"): Pipe<DemoState> {
  const pipe = new Pipe<DemoState>({ name });
  pipe.step("publish", async () => {});
  pipe.step("review", async () => new Suspend("waiting for an editor"), { to: "publish" });
  return pipe;
}

/** A step named like an HTML injection. */
export function xssPipe(): Pipe<DemoState> {
  const pipe = new Pipe<DemoState>({ name: "<b>bold</b>-pipe" });
  pipe.step("<img src=x onerror=alert(1)>", async () => {
    throw new Error("<script>alert(2)</script>");
  });
  return pipe;
}

export const initial = (): DemoState => ({ question: "capital of France?", answer: "", sources: [] });
