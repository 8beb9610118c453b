import { DefinitionError } from "../errors/errors.js";
import { expected } from "../errors/messages.js";
import { Stop } from "../model/control.js";
import type { AnyHandler } from "../model/handler-types.js";
import {
  checkDuration,
  checkRetries,
  checkTarget,
  checkTargets,
  OPTION_KEYS,
  syncGeneratorMessage,
  unknownOptionMessage,
} from "../model/option-checks.js";
import type { MapOptions, StepOptions, SwitchOptions } from "../model/options.js";
import type { StepDefinition, StepKind } from "../model/step-definition.js";
import type { Pipe } from "./pipe.js";
import type { SubOptions } from "./sub-options.js";

/**
 * A step as this Pipe registers it: a sub step's `pipeline` is a Pipe.
 *
 * @internal
 */
export type RegisteredStep = StepDefinition & { readonly pipeline?: Pipe<any, any> };

/**
 * Checks a step's name and handler at registration: a function, named (by `name` or its own
 * name), not a sync generator, and not already registered. Returns the step's name.
 */
export function checkRegistration(
  name: string | undefined,
  handler: unknown,
  kind: StepKind,
  registered: ReadonlyMap<string, RegisteredStep>,
): string {
  if (typeof handler !== "function") {
    throw expected(name ?? "?", "handler", "a function", handler);
  }
  const resolved = name ?? handler.name;
  if (typeof resolved !== "string" || resolved === "") {
    throw new DefinitionError(
      `A ${kind} was registered with an anonymous handler. Give it a name: pipe.${kind}("myStep", handler), or use a named function.`,
    );
  }
  if (/^class[\s{]/.test(Function.prototype.toString.call(handler))) {
    throw new DefinitionError(
      `Step '${resolved}' was given a class (${handler.name || "anonymous"}) as its handler, which cannot be called. A handler is a function: pass a function or a bound method, e.g. \`(args) => new ${handler.name || "MyClass"}().run(args)\`.`,
      resolved,
    );
  }
  // A map's items may come from a sync generator; every other kind streams or returns a result.
  if (kind !== "map" && handler.constructor?.name === "GeneratorFunction") {
    throw new DefinitionError(syncGeneratorMessage(kind, resolved), resolved);
  }
  const existing = registered.get(resolved);
  if (existing !== undefined) {
    throw new DefinitionError(
      `Step '${resolved}' is already registered (as a ${existing.kind}). Step names must be unique within a pipe: rename one of them.`,
      resolved,
    );
  }
  return resolved;
}

/** Checks the options only `pipe.map` has: a worker (`each`) and `maxConcurrency`. */
export function checkMapOptions(checked: string, options: MapOptions<any, any, any> | undefined): void {
  if (options === undefined || options.each === undefined) {
    throw new DefinitionError(
      `Map step '${checked}' needs an \`each\` option naming its worker step: pipe.map("${checked}", handler, { each: "worker" }).`,
      checked,
    );
  }
  checkTarget(checked, "each", options.each);
  const limit = options.maxConcurrency;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw expected(checked, "maxConcurrency", "an integer >= 1", limit);
  }
}

/** Checks the options only `pipe.switch` has: the routing table or function, and `default`. */
export function checkSwitchOptions(checked: string, options: SwitchOptions<any, any>): void {
  const routes = options?.to as unknown;
  if (
    routes === undefined ||
    routes === null ||
    (typeof routes !== "object" && typeof routes !== "function")
  ) {
    throw new DefinitionError(
      `Switch '${checked}' needs a \`to\` routing table or routing function, got ${String(routes)}: pipe.switch("${checked}", handler, { to: { yes: "a", no: "b" } }).`,
      checked,
    );
  }
  if (typeof routes === "object") {
    if (Array.isArray(routes)) throw expected(checked, "to", "a routing table object or function", routes);
    for (const [key, t] of Object.entries(routes)) {
      if (t !== Stop) checkTarget(checked, `to['${key}']`, t);
    }
  }
  if (options.default !== undefined && options.default !== Stop)
    checkTarget(checked, "default", options.default);
}

/**
 * Checks the option only `pipe.sub` has: `pipeline`, an instance of `PipeClass` other than `parent`
 * (the pipe the step is registered on).
 */
export function checkSubOptions(
  checked: string,
  options: SubOptions<any, any> | undefined,
  parent: object,
  PipeClass: abstract new (...args: any[]) => object,
): void {
  if (!(options?.pipeline instanceof PipeClass)) {
    throw new DefinitionError(
      `Sub-pipeline step '${checked}' needs a \`pipeline\` option holding a Pipe, got ${String(options?.pipeline)}. Pass the child: pipe.sub("${checked}", handler, { pipeline: childPipe }).`,
      checked,
    );
  }
  if (options.pipeline === parent) {
    throw new DefinitionError(
      `Sub-pipeline step '${checked}' cannot run its own pipe as a child: it would nest forever. To repeat steps, loop inside the pipe with a switch route or a \`routes\` jump; to nest, give the step a separate Pipe.`,
      checked,
    );
  }
}

/** Checks a step's options and builds its definition (the `index`-th registered). */
export function stepDefinition(
  kind: StepKind,
  name: string,
  handler: AnyHandler,
  options: (StepOptions<any, any> & Partial<MapOptions<any, any, any>>) | undefined,
  switchOptions: SwitchOptions<any, any> | undefined,
  index: number,
): RegisteredStep {
  const given = options ?? {};
  if (typeof given !== "object") throw expected(name, "options", "an object", given);
  const unknown = unknownOptionMessage(switchOptions ?? given, OPTION_KEYS[kind], `pipe.${kind}`);
  if (unknown !== undefined) throw new DefinitionError(`Step '${name}': ${unknown}`, name);
  const barrierType = given.barrierType ?? "all";
  if (barrierType !== "all" && barrierType !== "any")
    throw expected(name, "barrierType", "'all' or 'any'", barrierType);
  if (barrierType === "any" && given.barrierTimeout !== undefined) {
    throw new DefinitionError(
      `Step '${name}': \`barrierTimeout\` applies to joins that wait for all parents; an 'any' join starts on its first parent and never waits. Remove \`barrierTimeout\` or use barrierType: 'all'.`,
      name,
    );
  }
  if (given.onError !== undefined && typeof given.onError !== "function")
    throw expected(name, "onError", "a function", given.onError);
  return {
    name,
    kind,
    handler,
    to: checkTargets(name, "to", given.to),
    routes: checkTargets(name, "routes", given.routes),
    retries: checkRetries(name, given.retries),
    timeout: checkDuration(name, "timeout", given.timeout),
    barrierTimeout: checkDuration(name, "barrierTimeout", given.barrierTimeout),
    barrierType,
    onError: given.onError,
    index,
    ...(kind === "map" ? { each: given.each, maxConcurrency: given.maxConcurrency } : {}),
    ...(switchOptions ? { switchRoutes: switchOptions.to, switchDefault: switchOptions.default } : {}),
    ...(kind === "sub" ? { pipeline: (given as SubOptions<any, any>).pipeline } : {}),
  };
}
