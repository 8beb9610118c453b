import { didYouMean } from "../errors/did-you-mean.js";
import { DefinitionError, type DefinitionIssue, PipeFrozenError } from "../errors/errors.js";
import { expectedOf } from "../errors/messages.js";
import { analyzeGraph, type ExecutionPlan, type GraphAnalysis, targetsOf } from "../graph/plan.js";
import type { AnyHandler, ErrorHandler, HookHandler, Target } from "../model/handler-types.js";
import type { NestedPipe } from "../model/nested-pipe.js";
import type { EventHook, Observer } from "../model/observer.js";
import type { MapOptions, Middleware, StepOptions, SwitchOptions, WrappedHandler } from "../model/options.js";
import type { StepKind } from "../model/step-definition.js";
import type { CompiledPipe } from "../runtime/compiled-pipe.js";
import { composeMiddleware } from "../runtime/compose.js";
import { MAX_SUB_DEPTH, nestedPipeIssues, stepsChanged, stepsGeneration } from "./nested-pipes.js";
import type { ResolvedPipeOptions } from "./pipe-options.js";
import { checkRegistration, type RegisteredStep, stepDefinition } from "./registration.js";
import type { StepInfo } from "./step-info.js";

/** The `validated` key of a run without a `start` option. */
const NO_START = "\u0000";

/** A pipe's lifecycle and error hooks: the live lists its compiled form shares. */
export interface PipeHooks {
  readonly startup: readonly AnyHandler[];
  readonly shutdown: readonly AnyHandler[];
  readonly onError: readonly AnyHandler[];
}

/**
 * What a {@link Pipe} holds behind its façade (internal): the registered steps, hooks, middleware
 * and observers, the graph analysis cache, the validation cache and the frozen compiled pipe. The
 * `Pipe` class keeps the public API and its docs; this class keeps the bookkeeping.
 */
export class PipeDefinition<State, Context> {
  readonly pipe: NestedPipe;
  readonly name: string;
  readonly options: ResolvedPipeOptions;
  readonly steps = new Map<string, RegisteredStep>();
  readonly names = new Map<AnyHandler, string>();
  readonly middleware: Middleware[] = [];
  readonly startup: HookHandler<State, Context>[] = [];
  readonly shutdown: HookHandler<State, Context>[] = [];
  readonly errorHooks: ErrorHandler<State, Context>[] = [];
  readonly observers: Observer<State, Context>[] = [];
  readonly eventHooks: EventHook[] = [];
  compiled: CompiledPipe | undefined;
  /** The graph analysis without `start`, until the definition changes. */
  analysis: GraphAnalysis | undefined;
  readonly validated = new Set<string>();
  /** The levels this pipe spans, from its last passing nesting check (see `checkWithin`). */
  nestedHeight: { readonly height: number; readonly generation: number } | undefined;

  constructor(pipe: NestedPipe, options: ResolvedPipeOptions) {
    this.pipe = pipe;
    this.name = options.name;
    this.options = options;
  }

  /** True once the definition is frozen (after the first run). */
  get frozen(): boolean {
    return this.compiled !== undefined;
  }

  /** The definition a run executes. Validates and freezes on first use. */
  compile(start: Target | undefined, hashOf: () => string): CompiledPipe {
    // Every run after the first of a frozen pipe: nothing to check again.
    if (start === undefined && this.compiled !== undefined && this.validated.has(NO_START))
      return this.compiled;
    const [key, checked] = this.check(start, new Set([this.pipe]));
    if (this.compiled === undefined) {
      // The plan does not depend on `start`: reuse check()'s analysis when it made one without it.
      const analysis = start === undefined && checked !== undefined ? checked : this.analyze(undefined);
      const handlers = new Map<string, WrappedHandler>();
      let hash: string | undefined;
      const compiled: CompiledPipe = {
        name: this.name,
        plan: analysis.plan,
        handlers,
        startupHooks: this.startup,
        shutdownHooks: this.shutdown,
        errorHooks: this.errorHooks,
        observers: this.observers,
        eventHooks: this.eventHooks,
        queueSize: this.options.queueSize,
        maxRetries: this.options.maxRetries,
        shutdownTimeout: this.options.shutdownTimeout,
        observerTimeout: this.options.observerTimeout,
        metadata: this.options.metadata,
        failureClassification: this.options.failureClassification,
        clock: this.options.clock,
        debug: this.options.debug,
        nameOf: (target) => this.nameOf(target),
        hash: () => (hash ??= hashOf()),
      };
      for (const d of this.steps.values())
        handlers.set(d.name, composeMiddleware(this.middleware, d, this.name));
      this.compiled = compiled;
    }
    this.validated.add(key);
    return this.compiled;
  }

  /** Replaces a step's handler, even after the freeze (used by `TestPipe`). */
  replaceHandler(name: string, handler: AnyHandler): AnyHandler {
    const d = this.steps.get(name);
    if (d === undefined) {
      throw new DefinitionError(
        `Cannot mock unknown step '${name}'.${didYouMean(name, this.steps.keys())} Mock a step by the name it was registered with.`,
        name,
      );
    }
    const previous = d.handler;
    d.handler = handler;
    this.compiled?.handlers.set(name, composeMiddleware(this.middleware, d, this.name));
    return previous;
  }

  /** Resolves a target to a registered step name. */
  nameOf(target: Target): string | undefined {
    return typeof target === "string" ? target : this.names.get(target);
  }

  /** The registered definitions, in order. */
  definitions(): readonly RegisteredStep[] {
    return [...this.steps.values()];
  }

  /** The lifecycle and error hooks, for introspection. */
  hooks(): PipeHooks {
    return { startup: this.startup, shutdown: this.shutdown, onError: this.errorHooks };
  }

  /** `pipe.steps()`: every registered step, in registration order. */
  stepInfos(): StepInfo[] {
    const plan = this.plan();
    return [...this.steps.values()].map((step) => ({
      name: step.name,
      kind: step.kind,
      targets: targetsOf(plan.nodes.get(step.name)!),
      timeout: step.timeout,
      retries: step.retries,
      barrierTimeout: step.barrierTimeout,
      barrierType: step.barrierType,
      hasErrorHandler: step.onError !== undefined,
    }));
  }

  /** `pipe.topology()`: the static `to` edges by step name (a copy). */
  topology(): Record<string, string[]> {
    const edges: Record<string, string[]> = {};
    for (const [name, node] of this.plan().nodes)
      if (node.successors.length > 0) edges[name] = [...node.successors];
    return edges;
  }

  /**
   * Validates this pipe as a sub-pipeline nested in the pipes of `within` (itself included);
   * returns the levels it spans. A pipe that passed once spans the same levels until a step is
   * registered anywhere, and passes again wherever those levels fit under the depth limit (a
   * passing pipe cannot contain one of the pipes it is nested in: it would contain itself).
   */
  checkWithin(within: Set<NestedPipe>): number {
    const cached = this.nestedHeight;
    if (
      cached !== undefined &&
      cached.generation === stepsGeneration() &&
      within.size + cached.height - 1 <= MAX_SUB_DEPTH
    )
      return cached.height;
    this.check(undefined, within);
    return this.nestedHeight?.height ?? 1;
  }

  /** The resolved graph: the frozen one after the first run, else analysed afresh (never throws). */
  plan(): ExecutionPlan {
    return this.compiled?.plan ?? this.analyze(undefined).plan;
  }

  analyze(start: string | undefined): GraphAnalysis {
    // The analysis without `start` is kept until the next registration: steps(), topology(),
    // describe(), hash() and graph() all need it, and a large graph takes a while to analyse.
    if (start === undefined && this.analysis !== undefined) return this.analysis;
    const analysis = analyzeGraph([...this.steps.values()], (t) => this.nameOf(t), {
      start,
      allowMultiRoot: this.options.allowMultiRoot,
    });
    if (start === undefined) this.analysis = analysis;
    return analysis;
  }

  /** Validates the pipe for a run from `startTarget`; returns the run's key and the analysis it made, if any. */
  check(startTarget: Target | undefined, within: Set<NestedPipe>): [string, GraphAnalysis | undefined] {
    let start: string | undefined;
    const issues: DefinitionIssue[] = [];
    if (startTarget !== undefined) {
      start = this.nameOf(startTarget);
      if (start === undefined) {
        issues.push({
          step: "system",
          message: `run({ start }) was given function ${(startTarget as AnyHandler).name || "(anonymous)"}, which is not a registered step. Pass a registered handler or a step name.`,
        });
      }
    }
    const key = start ?? NO_START;
    // The cache holds for this pipe on its own; nested in others it is checked against them again.
    if (issues.length === 0 && within.size === 1 && this.validated.has(key)) return [key, undefined];
    // an empty pipe fails at run time, not here
    if (this.steps.size === 0 && issues.length === 0) return [key, undefined];
    const analysis = this.analyze(start);
    issues.push(...analysis.errors);
    if (this.options.strict) issues.push(...analysis.strictErrors);
    else
      for (const warning of analysis.strictErrors)
        process.emitWarning(warning.message, { type: "PipelineValidationWarning" });
    const nested = nestedPipeIssues(this.steps.values(), within);
    issues.push(...nested.issues);
    if (issues.length > 0) throw new DefinitionError(issues);
    this.nestedHeight = { height: nested.height, generation: stepsGeneration() };
    return [key, analysis];
  }

  nameArgs(
    nameOrHandler: string | AnyHandler,
    handlerOrOptions: unknown,
    maybeOptions: unknown,
    kind: StepKind,
  ): [string, AnyHandler, unknown] {
    if (typeof nameOrHandler === "function") {
      const name = this.checkRegistration(undefined, nameOrHandler, kind);
      return [name, nameOrHandler, handlerOrOptions];
    }
    const handler = handlerOrOptions as AnyHandler;
    return [this.checkRegistration(nameOrHandler, handler, kind), handler, maybeOptions];
  }

  checkRegistration(name: string | undefined, handler: unknown, kind: StepKind): string {
    if (this.compiled !== undefined) throw new PipeFrozenError(this.name, `add ${kind} '${name ?? "?"}'`);
    return checkRegistration(name, handler, kind, this.steps);
  }

  register(
    kind: StepKind,
    name: string,
    handler: AnyHandler,
    options: (StepOptions<State, Context> & Partial<MapOptions<State, Context, any>>) | undefined,
    switchOptions?: SwitchOptions<State, Context>,
  ): void {
    this.steps.set(name, stepDefinition(kind, name, handler, options, switchOptions, this.steps.size));
    this.analysis = undefined;
    stepsChanged();
    if (!this.names.has(handler)) this.names.set(handler, name);
  }

  addObserver(observer: Observer<State, Context>): () => void {
    if (typeof observer !== "object" || observer === null) {
      throw expectedOf(
        `Pipe '${this.name}'`,
        "observer",
        "an object with onEvent/onPipelineStart/... methods",
        observer,
      );
    }
    return this.addTo(this.observers, observer, "add an observer");
  }

  addTo<T>(list: T[], item: T, action: string): () => void {
    if (this.compiled !== undefined) throw new PipeFrozenError(this.name, action);
    // Observers are objects; every other hook, handler and middleware is a function.
    const isObserver = list === (this.observers as unknown[]);
    if (isObserver ? typeof item !== "object" || item === null : typeof item !== "function") {
      throw expectedOf(`Pipe '${this.name}'`, action.replace(/^add (an? )?/, ""), "a function", item);
    }
    list.push(item);
    return () => {
      if (this.compiled !== undefined) throw new PipeFrozenError(this.name, `remove: ${action}`);
      const index = list.indexOf(item);
      if (index >= 0) list.splice(index, 1);
    };
  }
}
