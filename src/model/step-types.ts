/**
 * What one step declares in a Pipe's step registry (its fourth type parameter, see
 * {@link StepTypes}): the item it receives as a map worker, and what it yields as a streaming step.
 *
 * @typeParam Token - the Pipe's token type: a step's `token` must be one of its types.
 */
export interface StepType<Token = unknown> {
  /** The item the step receives as a map's worker (`args.item`). */
  readonly item?: unknown;
  /** What the step yields when it streams: the payload of its `TOKEN` events. */
  readonly token?: Token;
}

/**
 * A Pipe's step registry: the argument types of steps, by step name, declared once with the pipe
 * (`new Pipe<State, Context, Token, Steps>()`). A step registered by a declared name gets them
 * (`item` types `args.item`, `token` what a streaming step may yield), and so does a
 * `TestPipe` mock of that name. Types cannot grow as statements register steps, so the registry is
 * declared up front; undeclared names keep the defaults (`pipe.step<Item>` still works).
 *
 * @typeParam Steps - the registry itself (an interface or type of `{ [step]: StepType }`).
 * @typeParam Token - the Pipe's token type.
 *
 * @example
 * ```ts
 * interface Steps {
 *   fetchOne: { item: string };   // a map worker: args.item is a string
 *   answer: { token: string };    // a streaming step: yields strings
 * }
 * const pipe = new Pipe<State, Context, string | Citation, Steps>();
 * pipe.step("fetchOne", async ({ item }) => { await fetch(item); }); // item: string
 * ```
 */
export type StepTypes<Steps, Token = unknown> = { readonly [Name in keyof Steps]: StepType<Token> };

/** The item type a step registered as `Name` receives: the registry's `item`, else `Fallback`. */
export type StepItem<Steps, Name, Fallback = unknown> = Name extends keyof Steps
  ? Steps[Name] extends { readonly item: infer Item }
    ? Item
    : Fallback
  : Fallback;

/** What a step registered as `Name` may yield: the registry's `token`, else `Fallback` (the Pipe's). */
export type StepToken<Steps, Name, Fallback = unknown> = Name extends keyof Steps
  ? Steps[Name] extends { readonly token: infer Token }
    ? Token
    : Fallback
  : Fallback;

/**
 * The arguments of `pipe.step` after the first: the handler and options when the first is the
 * step's name, the options when it is the handler (named after its function). A conditional type
 * on the first argument, rather than two overloads or a union of tuples: with those, TypeScript 6
 * and 7 report a handler that returns a wrong type as a name or handler rejected at the wrong
 * position ("... is not assignable to type 'string'"); with this, at the handler's return value.
 */
export type StepArguments<First, H, Options> = First extends string
  ? [handler: H, options?: Options]
  : [options?: Options];
