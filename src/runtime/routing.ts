import { didYouMean } from "../errors/did-you-mean.js";
import { StepNotFoundError } from "../errors/errors.js";
import { shownValue } from "../errors/messages.js";
import type { PlanNode } from "../graph/plan.js";
import { Stop, type StopSignal } from "../model/control.js";
import type { Target } from "../model/handler-types.js";
import type { CompiledPipe } from "./compiled-pipe.js";

/** Where a jump or route leads: a step, or the error that explains why it cannot go there. */
export type Resolution = { readonly node: PlanNode; readonly error?: undefined } | { readonly error: Error };

/** Resolves a returned jump target (a name or a handler) from step `from`. Pure. */
export function resolveJump(compiled: CompiledPipe, from: PlanNode, target: Target): Resolution {
  const name = compiled.nameOf(target);
  const node = name === undefined ? undefined : compiled.plan.nodes.get(name);
  if (node === undefined) {
    const shown = typeof target === "string" ? `'${target}'` : `function ${target.name || "(anonymous)"}`;
    const hint = typeof target === "string" ? didYouMean(target, compiled.plan.nodes.keys()) : "";
    return {
      error: new StepNotFoundError(
        `Step '${from.name}' returned ${shown}, which is not a registered step.${hint} A returned string is a jump; if you meant to set state, wrap the arrow function's body in braces.`,
      ),
    };
  }
  const routes = from.routes;
  if (routes !== null && from.kind === "step" && !routes.has(node.name)) {
    return {
      error: new StepNotFoundError(
        `Step '${from.name}' jumped to '${node.name}', which is not in its \`routes\` [${[...routes].join(", ")}]. Add '${node.name}' to its routes option.`,
      ),
    };
  }
  return { node };
}

/** Picks a switch's route for the value its handler returned: a target, `Stop`, or an error. */
export function routeSwitch(
  node: PlanNode,
  value: unknown,
):
  | { readonly target: Target | StopSignal; readonly error?: undefined }
  | { readonly target?: undefined; readonly error: {} } {
  const routes = node.definition.switchRoutes;
  let target: unknown;
  if (typeof routes === "function") {
    try {
      target = routes(value);
    } catch (error) {
      return {
        error: error ?? new Error(`The routing function of switch '${node.name}' threw ${String(error)}.`),
      };
    }
  } else target = node.switchTable!.get(String(value));
  if (target === undefined || target === null) target = node.switchDefault;
  if (target === undefined || target === null) {
    const keys = node.switchTable === undefined ? [] : [...node.switchTable.keys()];
    const hint = typeof value === "string" ? didYouMean(value, keys) : "";
    const shown = typeof value === "string" ? `'${value}'` : shownValue(value, 80);
    return {
      error: new StepNotFoundError(
        `Switch '${node.name}' returned ${shown}, which matches no route${keys.length ? ` (routes: ${keys.join(", ")})` : ""}.${hint} Add a route for it or a \`default\`.`,
      ),
    };
  }
  if (target !== Stop && typeof target !== "string" && typeof target !== "function") {
    return {
      error: new StepNotFoundError(
        `The routing function of switch '${node.name}' returned ${shownValue(target, 80)} for ${shownValue(value, 80)}; return a step name, a registered handler, or Stop.`,
      ),
    };
  }
  return { target: target as Target | StopSignal };
}
