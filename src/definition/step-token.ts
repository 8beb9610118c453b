import { type EventOf, EventType, type PipeEvent } from "../events/types.js";
import type { StepToken, StepTypes } from "../model/step-types.js";
import type { Pipe } from "./pipe.js";

/**
 * Whether `event` is a `TOKEN` that the step `step` of `pipe` yielded, narrowing its payload to
 * the `token` type the pipe's step registry declares for that step (see {@link StepTypes}). A
 * `TOKEN` forwarded from a sub-pipeline has the stage `"<sub step>:<child stage>"`, so it is not
 * one of the pipe's own steps' tokens. `pipe` is read for its type only.
 *
 * @param pipe - the pipe that runs (its type says what each step streams).
 * @param event - an event of its run.
 * @param step - a step name declared in its registry with a `token` type.
 *
 * @example
 * ```ts
 * const pipe = new Pipe<State, undefined, string | Citation, { answer: { token: string }; cite: { token: Citation } }>();
 * for await (const event of pipe.run(state)) {
 *   if (isStepToken(pipe, event, "answer")) process.stdout.write(event.payload); // a string
 *   if (isStepToken(pipe, event, "cite")) citations.push(event.payload);      // a Citation
 * }
 * ```
 */
export function isStepToken<
  State,
  Token,
  Steps extends StepTypes<Steps, Token>,
  Name extends keyof Steps & string,
>(
  _pipe: Pipe<State, any, Token, Steps>,
  event: PipeEvent<State, unknown>,
  step: Name,
): event is EventOf<typeof EventType.TOKEN, State, StepToken<Steps, Name, Token>> {
  return event.type === EventType.TOKEN && event.stage === step;
}
