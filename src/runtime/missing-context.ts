import { messageOf } from "../events/failure.js";

/**
 * The messages engines give for reading a property of `undefined`: V8 ("Cannot read properties
 * of undefined", "Cannot destructure property 'x' of ... as it is undefined"), JavaScriptCore
 * ("undefined is not an object") and SpiderMonkey ("... is undefined").
 */
const READ_OF_UNDEFINED =
  /Cannot read propert(?:y|ies) of undefined|Cannot destructure property .* as it is undefined|undefined is not an object|\bis undefined\b/;

const HINT =
  " (this run was given no `context`: if the step reads `ctx`, pass one with pipe.run(state, { context }) or pipe.invoke(state, { context }))";

/**
 * The message of a step's or hook's failure: the error's message, plus a hint when the run was
 * given no context and the step failed reading a property of `undefined`, which is what reading
 * `ctx` then does. (Types make `context` required when the Context type does not admit
 * `undefined`; this covers JavaScript callers and casts, which types cannot see.)
 *
 * @param error - the thrown value.
 * @param ctx - the run's context.
 */
export function failureMessage(error: unknown, ctx: unknown): string {
  const message = messageOf(error);
  if (ctx !== undefined || !(error instanceof TypeError) || !READ_OF_UNDEFINED.test(message)) return message;
  return message + HINT;
}
