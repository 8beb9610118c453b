/**
 * Token streaming: any `async function*` step streams. Each `yield` is a TOKEN event carrying
 * the step's `invocationId`; the generator's `return` value is its control result (here a jump).
 * Leaving the loop early closes the run: the step's `signal` aborts and its generator is closed.
 * A bounded queue makes a fast producer wait for a slow consumer.
 *
 *   npx tsx examples/07-token-streaming/index.ts
 */
import { EventType, Pipe } from "justpipe";

/** Waits `ms`, or rejects as soon as `signal` aborts (as `fetch` does). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** Stands in for a model's streaming API: one word per millisecond, stops when aborted. */
async function* fakeModel(text: string, signal: AbortSignal): AsyncGenerator<string> {
  for (const word of text.split(" ")) {
    await sleep(1, signal);
    yield `${word} `;
  }
}

interface Chat {
  prompt: string;
  reply: string;
  log: string[];
}

const pipe = new Pipe<Chat>({ name: "chat" });

pipe.step(
  "generate",
  async function* ({ state, signal }) {
    try {
      for await (const token of fakeModel(`You asked: ${state.prompt}. Here is a short answer.`, signal)) {
        state.reply += token;
        yield token; // a TOKEN event, delivered as soon as the consumer asks for it
      }
    } finally {
      state.log.push(`generate closed (signal aborted: ${signal.aborted})`);
    }
    // After the tokens, the return value decides what runs next.
    return state.reply.length > 20 ? "review" : undefined;
  },
  { routes: ["review"] },
);

pipe.step("review", async function* ({ state }) {
  yield `[reviewed ${state.reply.trim().split(" ").length} words]`;
});

pipe.onShutdown(({ state }) => {
  state.log.push("shutdown hook ran");
});

// 1. Print tokens as they arrive.
console.log("── streaming ──");
const chat: Chat = { prompt: "what is a token", reply: "", log: [] };
for await (const event of pipe.run(chat)) {
  if (event.type === EventType.TOKEN) process.stdout.write(String(event.payload));
  if (event.type === EventType.FINISH) process.stdout.write(`\n${event.payload.status}\n`);
}
console.log(chat.log.join("\n"));

// 2. Stop reading after three tokens: a client close. No FINISH is delivered, the step's signal
//    aborts, its generator's `finally` runs, and shutdown hooks finish before the loop exits.
console.log("\n── leaving the loop after three tokens ──");
const early: Chat = { prompt: "tell me everything", reply: "", log: [] };
let tokens = 0;
for await (const event of pipe.run(early)) {
  if (event.type === EventType.TOKEN) {
    process.stdout.write(String(event.payload));
    if (++tokens === 3) break;
  }
}
console.log(`\n${early.log.join("\n")}`);

// 3. Backpressure: with queueSize 2, the producer waits while the slow consumer catches up.
console.log("\n── a slow consumer (queueSize: 2) ──");
let produced = 0;
let maxAhead = 0;
const fast = new Pipe({ name: "fast-producer", queueSize: 2 });
fast.step("produce", async function* () {
  for (let i = 0; i < 50; i++) {
    produced++;
    yield i;
  }
});
let consumed = 0;
for await (const event of fast.run(undefined)) {
  if (event.type !== EventType.TOKEN) continue;
  consumed++;
  maxAhead = Math.max(maxAhead, produced - consumed);
  await new Promise((resolve) => setTimeout(resolve, 0)); // a slow consumer
}
console.log(`consumed ${consumed} tokens; the producer was never more than ${maxAhead} ahead`);
