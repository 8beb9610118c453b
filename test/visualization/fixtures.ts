import { Pipe, Stop } from "../../src/index.js";

/** Representative pipelines for the golden and parser tests, by name. */
export const fixtures: Record<string, () => Pipe<any, any>> = {
  /** The API sheet's hello world: a step and a streaming step. */
  hello() {
    const pipe = new Pipe({ name: "hello" });
    const respond = pipe.step("respond", async function* () {
      yield "Hello, World!";
    });
    pipe.step("greet", () => {}, { to: respond });
    return pipe;
  },

  /** Everything at once, as the original's example (b): hooks, fan-out, any-join, map, switch, sub, jump, utility. */
  kitchenSink() {
    const child = new Pipe({ name: "review" });
    child.step("s1", () => {}, { to: "s2" });
    child.step("s2", () => {});
    const pipe = new Pipe({ name: "kitchen-sink", allowMultiRoot: true });
    pipe.onStartup(function connectDb() {});
    pipe.onShutdown(function closeDb() {});
    pipe.step("start", () => {}, { to: ["fetchA", "fetchB"] });
    pipe.step("fetchA", () => {}, { to: "combine" });
    pipe.step("fetchB", () => {}, { to: "combine" });
    pipe.step("combine", () => {}, { to: "fan", barrierType: "any" });
    pipe.map("fan", () => [1, 2, 3], { each: "worker", to: "route" });
    pipe.step("worker", () => {});
    pipe.switch("route", () => "ok", { to: { ok: "delegate", bad: Stop }, default: "fallback" });
    pipe.sub("delegate", () => ({}), { pipeline: child });
    pipe.step("fallback", () => "delegate", { routes: ["delegate"] });
    pipe.step("helperUtil", () => {});
    return pipe;
  },

  /** A map with a streaming worker and a step after it. */
  map() {
    const pipe = new Pipe({ name: "map" });
    pipe.step("listUrls", () => {}, { to: "fetchAll" });
    pipe.map("fetchAll", () => ["a", "b"], { each: "fetchOne", maxConcurrency: 4, to: "merge" });
    pipe.step("fetchOne", async function* ({ item }) {
      yield item;
    });
    pipe.step("merge", () => {});
    return pipe;
  },

  /** A switch with a route to Stop and a default. */
  switchWithStop() {
    const pipe = new Pipe({ name: "switch" });
    pipe.step("score", () => {}, { to: "classify" });
    pipe.switch("classify", () => "positive", {
      to: { positive: "celebrate", negative: Stop, unsure: "review" },
      default: "review",
    });
    pipe.step("celebrate", () => {});
    pipe.step("review", () => {});
    return pipe;
  },

  /** A fan-out joined by an `any` barrier. */
  anyJoin() {
    const pipe = new Pipe({ name: "race" });
    pipe.step("ask", () => {}, { to: ["modelA", "modelB", "modelC"] });
    pipe.step("modelA", () => {}, { to: "firstAnswer" });
    pipe.step("modelB", () => {}, { to: "firstAnswer" });
    pipe.step("modelC", () => {}, { to: "firstAnswer" });
    pipe.step("firstAnswer", () => {}, { barrierType: "any" });
    return pipe;
  },

  /** A sub-pipeline whose child has a sub-pipeline (two levels), hooks in the child. */
  nestedSub() {
    const inner = new Pipe({ name: "inner" });
    inner.step("tokenize", async function* () {
      yield "t";
    });
    const middle = new Pipe({ name: "middle" });
    middle.onStartup(function openCache() {});
    middle.step("prepare", () => {}, { to: "runInner" });
    middle.sub("runInner", () => ({}), { pipeline: inner, to: "collect" });
    middle.step("collect", () => {});
    const pipe = new Pipe({ name: "outer" });
    pipe.step("load", () => {}, { to: "runMiddle" });
    pipe.sub("runMiddle", () => ({}), { pipeline: middle, to: "save" });
    pipe.step("save", () => {});
    return pipe;
  },

  /** Startup, shutdown and error hooks, some anonymous. */
  hooks() {
    const pipe = new Pipe({ name: "hooks" });
    pipe.onStartup(async function connectDatabase() {});
    pipe.onStartup(async () => {});
    pipe.onShutdown(async function closeDatabase() {});
    pipe.onError(function reportToSentry() {});
    pipe.step("work", () => {});
    return pipe;
  },

  /** An agent loop closed by a switch route. */
  agentLoop() {
    const pipe = new Pipe({ name: "agent" });
    pipe.step(
      "think",
      async function* () {
        yield "...";
      },
      { to: "decide" },
    );
    pipe.switch("decide", () => "act", { to: { act: "callTool", answer: "respond", give_up: Stop } });
    pipe.step("callTool", () => {}, { to: "think" });
    pipe.step("respond", () => {});
    return pipe;
  },

  /** Roots that are a switch and a map (both get their `Start -->` edge). */
  switchAndMapRoots() {
    const pipe = new Pipe({ name: "roots", allowMultiRoot: true });
    pipe.switch("router", () => "a", { to: { a: "handleA", b: "handleB" } });
    pipe.step("handleA", () => {});
    pipe.step("handleB", () => {});
    pipe.map("batch", () => [], { each: "item" });
    pipe.step("item", () => {});
    return pipe;
  },

  /** Declared jumps: a routing function with `routes`, a retry loop jumping to itself. */
  dynamicRoutes() {
    const pipe = new Pipe({ name: "dynamic" });
    pipe.step("plan", () => {}, { to: "pick" });
    pipe.switch("pick", () => "x", { to: (v) => String(v), routes: ["fast", "slow"] });
    pipe.step("fast", () => {});
    pipe.step("slow", () => "slow", { routes: ["slow", "fast"], to: "fast" });
    return pipe;
  },

  /** Names that would break naive Mermaid output. */
  weirdNames() {
    const pipe = new Pipe({ name: 'we"ird <pipe> #1' });
    const names = [
      'say "hi"',
      "[brackets] (parens) {braces}",
      "back`tick`",
      "hash #1; semi; pipe | bar",
      "emoji 🚀 naïve 日本語",
      "end",
      "style:#fff;",
      "%%{init: {'theme':'dark'}}%%",
      "<b>bold</b> &amp;",
      "line\nbreak\ttab",
      "-->",
      "   ",
      "graph",
    ];
    names.forEach((name, i) => {
      const next = names[i + 1];
      pipe.step(name, () => {}, next === undefined ? {} : { to: next });
    });
    return pipe;
  },

  /** A single step. */
  single() {
    const pipe = new Pipe({ name: "single" });
    pipe.step("only", () => {});
    return pipe;
  },

  /** Steps with no edges at all: every one is a root and a terminal (no Utilities box). */
  unconnected() {
    const pipe = new Pipe({ name: "unconnected", allowMultiRoot: true });
    pipe.step("left", () => {});
    pipe.step("right", async function* () {
      yield 1;
    });
    return pipe;
  },

  /** No steps. */
  empty() {
    return new Pipe({ name: "empty" });
  },
};
