/**
 * A user's code against the BUILT declarations (dist/*.d.ts, reached through the package's own
 * `exports`, no `paths`), type-checked by TypeScript 6 and 7 with `skipLibCheck: false` by
 * `scripts/check-declarations.mjs` (part of `npm run check:package`). Each `@ts-expect-error`
 * line must stay an error: if it stopped being one, tsc would report the unused directive.
 */
import { EventType, Pipe, type PipelineEndData, PipelineError, Suspend, serializeError } from "justpipe";
import { readEvents, StreamError, toResponse } from "justpipe/http";
import { TestPipe } from "justpipe/testing";

interface State {
  question: string;
  answer?: string;
}
interface Context {
  userId: string;
}

const pipe = new Pipe<State, Context, string>({ name: "consumer" });
const answer = pipe.step("answer", async function* ({ state, ctx }) {
  yield `${ctx.userId}: ${state.question}`;
});
pipe.step("retrieve", ({ state }) => (state.question === "" ? new Suspend({ reason: "empty" }) : undefined), {
  to: answer,
});

export async function main(): Promise<void> {
  // @ts-expect-error: the Context type does not admit undefined, so run() needs { context }
  pipe.run({ question: "hi" });
  for await (const event of pipe.run({ question: "hi" }, { context: { userId: "u1" } })) {
    if (event.type === EventType.FINISH) {
      const end: PipelineEndData = event.payload;
      console.log(end.status);
    }
  }
  try {
    const { state, end, tokens } = await pipe.invoke({ question: "hi" }, { context: { userId: "u1" } });
    const text: string | undefined = state.answer;
    const firstToken: string | undefined = tokens[0];
    console.log(firstToken);
    console.log(text, end.failureKind, tokens.length);
  } catch (error) {
    if (error instanceof PipelineError)
      console.log(error.end.failedStep, serializeError(error.cause).message);
  }
  // @ts-expect-error: throwOnFailure is a boolean
  void pipe.invoke({ question: "hi" }, { throwOnFailure: "no" });

  const response: Response = toResponse(pipe.run({ question: "hi" }, { context: { userId: "u" } }), {
    format: "ui-message",
    events: "tokens",
  });
  // @ts-expect-error: not a format
  toResponse(pipe.run({ question: "hi" }, { context: { userId: "u" } }), { format: "xml" });
  for await (const event of readEvents<State>(response)) {
    if (event.type === EventType.START) console.log(event.payload.question);
  }
  console.log(new StreamError("x").code);

  // @ts-expect-error: the pipe streams strings
  pipe.step("numbers", async function* () {
    yield 1;
  });
  const worker = pipe.step<number>("double", ({ item }) => void (item * 2));
  // @ts-expect-error: the map's items are strings, its worker takes numbers
  pipe.map("fan", () => ["a"], { each: worker });
  using tester = new TestPipe(pipe);
  const result = await tester.run({ question: "hi" }, { context: { userId: "u1" } });
  console.log(result.status, result.tokens);

  pipe.step(
    // @ts-expect-error: a handler named after its function, with options, that returns a number
    function questionLength({ state }) {
      return state.question.length;
    },
    { to: answer },
  );

  // The step registry: argument types by step name, for steps and for mocks of them.
  const typed = new Pipe<State, Context, string, { each: { item: number }; say: { token: string } }>({
    requireContext: true,
  });
  typed.map("fan", () => [1, 2], { each: "each" });
  typed.step("each", ({ item }) => void item.toFixed());
  // @ts-expect-error: "say" streams strings
  typed.step("say", async function* () {
    yield 1;
  });
  using typedTester = new TestPipe(typed);
  typedTester.mock("each", ({ item }) => void item.toFixed());
}
