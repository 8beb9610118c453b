// What serving a run over HTTP costs per token: a streaming step yields N string tokens; the run
// is drained (1) directly, (2) through toReadableStream in each format, read as bytes, and
// (3) end to end through readEvents. Reports events per second (median of 5 rounds after a
// warm-up round), in one process. Run after `npm run build`:
//   node bench/http-stream.mjs [tokens=20000]

import { readEvents, toReadableStream } from "../dist/http/index.js";
import { Pipe } from "../dist/index.js";

const TOKENS = Number(process.argv[2] ?? 20_000);

function tokenPipe() {
  const pipe = new Pipe({ name: "tokens" });
  pipe.step("stream", async function* () {
    for (let i = 0; i < TOKENS; i++) yield "token ";
  });
  return pipe;
}

async function drainBytes(stream) {
  const reader = stream.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

const cases = {
  "for await (no HTTP)": async (pipe) => {
    for await (const _ of pipe.run({}));
  },
  "toReadableStream sse": (pipe) => drainBytes(toReadableStream(pipe.run({}), { events: "tokens" })),
  "toReadableStream ndjson": (pipe) =>
    drainBytes(toReadableStream(pipe.run({}), { format: "ndjson", events: "tokens" })),
  "toReadableStream ui-message": (pipe) =>
    drainBytes(toReadableStream(pipe.run({}), { format: "ui-message", events: "tokens" })),
  "sse + readEvents": async (pipe) => {
    for await (const _ of readEvents(toReadableStream(pipe.run({}), { events: "tokens" })));
  },
};

for (const [name, run] of Object.entries(cases)) {
  const times = [];
  for (let round = 0; round < 6; round++) {
    const pipe = tokenPipe();
    const start = performance.now();
    await run(pipe);
    if (round > 0) times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(30)} ${Math.round(TOKENS / (median / 1000))
      .toLocaleString("en")
      .padStart(12)} tokens/s  (${median.toFixed(1)} ms for ${TOKENS})`,
  );
}
