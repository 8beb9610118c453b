import { EventType, PipelineTerminalStatus, type RunStatus } from "../index.js";
import { HttpProblem } from "./http-problem.js";

/** Every status a run can have, in the order the dashboard lists them. */
export const RUN_STATUSES: readonly RunStatus[] = ["running", ...Object.values(PipelineTerminalStatus)];
const EVENT_TYPES: readonly EventType[] = Object.values(EventType);

/** Reads the query parameters of one request, answering 400 with a clear message when one is wrong. */
export class QueryReader {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams, allowed: readonly string[]) {
    this.#params = params;
    for (const key of params.keys()) {
      if (key !== "token" && !allowed.includes(key)) {
        throw new HttpProblem(
          400,
          `Unknown query parameter \`${key}\`: this endpoint takes ${allowed.map((name) => `\`${name}\``).join(", ") || "none"}`,
        );
      }
    }
  }

  /** A non-empty string, or undefined when absent or empty. */
  text(name: string, maxLength = 200): string | undefined {
    const value = this.#params.get(name);
    if (value === null || value === "") return undefined;
    if (value.length > maxLength) {
      throw new HttpProblem(
        400,
        `Expected \`${name}\` to be at most ${maxLength} characters, got ${value.length}`,
      );
    }
    return value;
  }

  /** An integer within bounds, or the fallback when absent. */
  integer(name: string, bounds: { min: number; max: number; fallback?: number }): number | undefined {
    const value = this.#params.get(name);
    if (value === null || value === "") return bounds.fallback;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < bounds.min || parsed > bounds.max) {
      throw new HttpProblem(
        400,
        `Expected \`${name}\` to be an integer from ${bounds.min} to ${bounds.max}, got \`${value}\``,
      );
    }
    return parsed;
  }

  /** A time: milliseconds since the epoch or an ISO 8601 date. */
  time(name: string): number | undefined {
    const value = this.#params.get(name);
    if (value === null || value === "") return undefined;
    const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
    if (!Number.isFinite(parsed)) {
      throw new HttpProblem(
        400,
        `Expected \`${name}\` to be milliseconds since 1970 or an ISO date (2026-01-31T12:00:00Z), got \`${value}\``,
      );
    }
    return parsed;
  }

  /** Run statuses, comma separated. */
  statuses(name: string): RunStatus[] | undefined {
    return this.#list(name, RUN_STATUSES, "status");
  }

  /** Event types, comma separated. */
  eventTypes(name: string): EventType[] | undefined {
    return this.#list(name, EVENT_TYPES, "event type");
  }

  #list<T extends string>(name: string, known: readonly T[], what: string): T[] | undefined {
    const raw = this.#params.getAll(name).flatMap((value) => value.split(","));
    const values = raw.map((value) => value.trim()).filter((value) => value !== "");
    if (values.length === 0) return undefined;
    for (const value of values) {
      if (!known.includes(value as T)) {
        throw new HttpProblem(
          400,
          `Unknown ${what} \`${value.slice(0, 60)}\` in \`${name}\`: expected one of ${known.join(", ")}`,
        );
      }
    }
    return [...new Set(values)] as T[];
  }
}
