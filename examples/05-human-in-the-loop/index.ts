/**
 * Suspend and resume: a human-in-the-loop quiz. The `ask` step returns a `Suspend` when the
 * current question has no answer yet; the run ends with FINISH status "suspended". We read the
 * answer from stdin, store it in the state, and resume with `run(state, { start })`.
 *
 *   npx tsx examples/05-human-in-the-loop/index.ts             # answer at the prompt
 *   printf '4\nParis\nblue\n' | npx tsx examples/05-human-in-the-loop/index.ts
 */
import { createInterface } from "node:readline";
import { EventType, Pipe, Suspend, type SuspendPayload } from "justpipe";

interface Quiz {
  questions: { text: string; answer: string }[];
  /** Index of the question being asked. */
  current: number;
  /** The human's answers, filled in between runs. */
  answers: string[];
  score: number;
}

const quiz = new Pipe<Quiz>({ name: "quiz" });

// No answer yet: pause the run. The reason is what we show the human.
quiz.step(
  "ask",
  ({ state }) => {
    if (state.answers[state.current] === undefined) {
      return new Suspend({ reason: `Q${state.current + 1}: ${state.questions[state.current]!.text}` });
    }
  },
  { to: "grade" },
);

quiz.step(
  "grade",
  async function* ({ state }) {
    const expected = state.questions[state.current]!.answer;
    const given = state.answers[state.current]!;
    const correct = given.toLowerCase() === expected.toLowerCase();
    if (correct) state.score++;
    yield correct ? "  ✓ correct" : `  ✗ the answer is ${expected}`;
    state.current++;
    // More questions: jump back to ask. Otherwise follow `to`.
    if (state.current < state.questions.length) return "ask";
  },
  { to: "report", routes: ["ask"] },
);

quiz.step("report", async function* ({ state }) {
  yield `Score: ${state.score}/${state.questions.length}`;
});

let state: Quiz = {
  questions: [
    { text: "What is 2 + 2?", answer: "4" },
    { text: "What is the capital of France?", answer: "Paris" },
    { text: "What colour is a clear daytime sky?", answer: "blue" },
  ],
  current: 0,
  answers: [],
  score: 0,
};

const lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
let start: string | undefined;
let runs = 0;

while (true) {
  runs++;
  let suspended: SuspendPayload | undefined;
  for await (const event of quiz.run(state, start === undefined ? {} : { start })) {
    if (event.type === EventType.TOKEN) console.log(event.payload);
    if (event.type === EventType.SUSPEND) suspended = event.payload;
  }
  if (suspended === undefined) break; // FINISH was "success": the quiz is over

  process.stdout.write(`${suspended.reason} `);
  const line = await lines.next();
  if (line.done) {
    console.log(`\n(no more input: the quiz stays suspended at '${suspended.step}'; its state is saved)`);
    break;
  }
  if (!process.stdin.isTTY) console.log(line.value); // echo piped answers so the transcript reads well
  // The state is plain data: it could wait in a database or a queue until the human answers.
  state = JSON.parse(JSON.stringify(state)) as Quiz;
  state.answers[state.current] = line.value.trim();
  start = suspended.step; // resume at the step that suspended
}
console.log(`(${runs} runs)`);
process.stdin.destroy();
