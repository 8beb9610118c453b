/**
 * Quick start: the seed's hello world. A step sets state, a streaming step yields a token, and
 * `run()` is an async stream of typed events that always ends with one FINISH.
 *
 *   npx tsx examples/01-quick-start/index.ts
 */
import { EventType, Pipe } from "justpipe";

interface State {
  message: string;
}

const pipe = new Pipe<State>({ name: "hello" });

// A streaming step is an async generator: each `yield` is a TOKEN event.
const respond = pipe.step("respond", async function* ({ state }) {
  yield `${state.message}, World!`;
});

// `to` wires the steps: greet runs first (nothing points to it), then respond.
pipe.step(
  "greet",
  async ({ state }) => {
    state.message = "Hello";
  },
  { to: respond },
);

// Registration only records the graph; iterating run() executes it.
for await (const event of pipe.run({ message: "" })) {
  if (event.type === EventType.TOKEN) console.log(event.payload);
}

// Every event, in order. `event.type` narrows `event.payload`: on FINISH it is PipelineEndData.
console.log("\nthe whole event stream:");
for await (const event of pipe.run({ message: "" })) {
  const detail =
    event.type === EventType.TOKEN
      ? JSON.stringify(event.payload)
      : event.type === EventType.FINISH
        ? `status=${event.payload.status}`
        : "";
  console.log(`  #${event.seq} ${event.type.padEnd(10)} ${event.stage.padEnd(7)} ${detail}`.trimEnd());
}
