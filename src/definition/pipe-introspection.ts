import type { ExecutionPlan } from "../graph/plan.js";
import type { AnyHandler, Target } from "../model/handler-types.js";
import type { NestedPipe } from "../model/nested-pipe.js";
import type { CompiledPipe } from "../runtime/compiled-pipe.js";
import {
  describePipe,
  type GraphOptions,
  hashPipe,
  type PipeDescription,
  renderMermaid,
} from "../visualization/index.js";
import { PipeDefinition, type PipeHooks } from "./pipe-definition.js";
import type { ResolvedPipeOptions } from "./pipe-options.js";
import type { RegisteredStep } from "./registration.js";
import type { StepInfo } from "./step-info.js";

/**
 * What can be read of a pipeline's definition: its checks (`validate`), its steps and edges, its
 * drawing, description and hash, and the internal accessors the runtime, the visualization and
 * `TestPipe` read. `Pipe` extends it with registration, hooks and running; construct a `Pipe`,
 * not this class.
 *
 * @typeParam State - the shared, mutable state every step receives.
 * @typeParam Context - the per-run context (`run(state, { context })`).
 */
export class PipeIntrospection<State = unknown, Context = undefined> {
  /** The pipeline's name. */
  readonly name: string;
  /** @internal The registered steps, hooks and caches behind the façade. */
  protected readonly _definition: PipeDefinition<State, Context>;

  /**
   * @internal Made by the `Pipe` constructor with its checked options.
   *
   * @param options - the Pipe's options, checked, with their defaults.
   */
  protected constructor(options: ResolvedPipeOptions) {
    this.name = options.name;
    // `this` is the Pipe that extends this class, so it is a NestedPipe (it has `run`).
    this._definition = new PipeDefinition(this as unknown as NestedPipe, options);
  }

  /**
   * Checks the definition and throws one `DefinitionError` listing every problem. In non-strict
   * mode, soft problems (several roots, unreachable steps) are warnings instead.
   * Sub-pipelines are checked too. Does not freeze the pipe.
   *
   * @param options - `start`: check the definition as a run from this step would see it.
   * @throws {@link DefinitionError} listing every problem found.
   *
   * @example
   * ```ts
   * test("the pipeline is valid", () => {
   *   expect(() => pipe.validate()).not.toThrow();
   * });
   * ```
   */
  validate(options: { start?: Target } = {}): void {
    this._definition.check(options.start, new Set([this as unknown as NestedPipe]));
  }

  /**
   * Every registered step, in registration order.
   *
   * @example
   * ```ts
   * for (const { name, kind, targets } of pipe.steps()) console.log(name, kind, "->", targets.join(", "));
   * ```
   */
  steps(): StepInfo[] {
    return this._definition.stepInfos();
  }

  /**
   * Static `to` edges by step name (a copy): only steps that have a `to` appear. Map, switch and
   * declared `routes` edges are in `pipe.steps()` and `pipe.describe()`.
   *
   * @example
   * ```ts
   * pipe.topology(); // { greet: ["respond"] }
   * ```
   */
  topology(): Record<string, string[]> {
    return this._definition.topology();
  }

  /** The Pipe's `metadata` option (frozen; `{}` when not given). */
  get metadata(): Readonly<Record<string, unknown>> {
    return this._definition.options.metadata;
  }

  /**
   * The pipeline as a Mermaid flowchart: `Start` and `End`, one shape per kind (step, streaming
   * step ⚡, map, map worker, switch, sub-pipeline), a `Parallel` box per static fan-out, a
   * `Utilities` box for steps with no edge, hook boxes, labelled switch routes (a route to `Stop`
   * goes to `End`), dotted map edges, dashed `dynamic` edges for declared `routes`, `(Any)` on
   * any-joins, and sub-pipelines as nested clusters. Names are shown humanised (`fetchUser` ->
   * "Fetch User") and escaped, so any name gives valid Mermaid. Deterministic: node ids follow the
   * sorted step names. Works before and after the first run, and on invalid definitions.
   *
   * @example
   * ```ts
   * console.log(pipe.graph());                    // paste into a ```mermaid block
   * writeFileSync("pipe.mmd", pipe.graph({ direction: "LR" }));
   * ```
   */
  graph(options?: GraphOptions): string {
    return renderMermaid(this, options);
  }

  /**
   * A JSON-serialisable description of the definition, keys in a stable order: `name`, `hash`,
   * `nodes` (kind, streaming, targets, non-default options, sub-pipelines described recursively),
   * `edges` (`static`, `map`, `switch` with its route label, `dynamic`), `groups` (static fan-outs),
   * `roots` (what a run starts from), `hooks` (function names) and `metadata`.
   *
   * @example
   * ```ts
   * const { roots, edges } = pipe.describe();
   * writeFileSync("pipe.json", JSON.stringify(pipe.describe(), null, 2));
   * ```
   */
  describe(): PipeDescription {
    return describePipe(this);
  }

  /**
   * A stable identity of the definition: 16 hex characters of a SHA-256 over the pipe's name, each
   * step's name, kind and barrier type, every edge (`to`, map `each`, switch routes and default,
   * `Stop` routes, declared `routes`) and each sub-pipeline's hash. Registration order, handlers,
   * hooks, timeouts, retries and metadata do not change it.
   *
   * @example
   * ```ts
   * pipe.hash(); // "5d0c2e9a7f31b482"
   * ```
   */
  hash(): string {
    return hashPipe(this);
  }

  /** @internal True once the definition is frozen (after the first run). */
  get _frozen(): boolean {
    return this._definition.frozen;
  }

  /** @internal The definition a run executes; validates and freezes on first use. */
  _compile(start: Target | undefined): CompiledPipe {
    return this._definition.compile(start, () => this.hash());
  }

  /** @internal Replaces a step's handler, even after the freeze (used by `TestPipe`). */
  _replaceHandler(name: string, handler: AnyHandler): AnyHandler {
    return this._definition.replaceHandler(name, handler);
  }

  /** @internal Resolves a target to a registered step name. */
  _nameOf(target: Target): string | undefined {
    return this._definition.nameOf(target);
  }

  /** @internal The registered definitions, in order. */
  _definitions(): readonly RegisteredStep[] {
    return this._definition.definitions();
  }

  /** @internal The lifecycle and error hooks (the live lists the compiled pipe uses). */
  _hooks(): PipeHooks {
    return this._definition.hooks();
  }

  /** @internal Validates this pipe as a sub-pipeline nested in the pipes of `within` (itself included). */
  _checkWithin(within: Set<NestedPipe>): number {
    return this._definition.checkWithin(within);
  }

  /** @internal The resolved graph: the frozen one after the first run, else analysed afresh. */
  _plan(): ExecutionPlan {
    return this._definition.plan();
  }
}
