import type { EventType, Observer, ObserverInfo, PipeEvent } from "../index.js";
import { type Redaction, redactionTest, toJsonSafe } from "./json-safe.js";

/** Severity of a log line, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Anything with a `write(text)`: `process.stdout`, a file stream, a pino destination. */
export interface LogSink {
  /** Writes one chunk of text (a whole line, newline included). */
  write(chunk: string): unknown;
  /** True for a terminal: the default format is then `pretty`. */
  readonly isTTY?: boolean;
}

/** Options of {@link EventLogger}. */
export interface EventLoggerOptions {
  /**
   * Lowest level written. Levels: `debug` (step starts, tokens, map workers, barriers), `info` (run
   * start, step ends, maps, suspends, successful finish), `warn` (retried failures, cancellations,
   * timeouts, a finish that is not a success or a failure), `error` (final failures, failed finish).
   * @default "info"
   */
  level?: LogLevel;
  /**
   * Only these event types are written (still subject to `level`).
   * @default every type
   * @example
   * ```ts
   * new EventLogger({ types: ["step_error", "finish"] });
   * ```
   */
  types?: readonly EventType[];
  /**
   * Only events of these steps are written (matched against the stage and its last segment, so
   * `"search"` also matches a sub-pipeline's `"research:search"`). Run-level events (stage
   * `system`) are always kept.
   * @default every step
   */
  steps?: readonly string[];
  /**
   * Where lines go.
   * @default process.stderr
   */
  stream?: LogSink;
  /**
   * `pretty`: one human line per event (coloured when `color`); `json`: one JSON object per line
   * (`level`, `time`, `pipe`, `runId`, `type`, `stage`, `invocationId`, `attempt`, `payload`, `meta`),
   * ready for pino, Loki or a file.
   * @default "pretty" when the stream is a TTY, else "json"
   */
  format?: "pretty" | "json";
  /**
   * Colours pretty lines with ANSI escapes.
   * @default true when the stream is a TTY
   */
  color?: boolean;
  /**
   * Keeps secrets out of the log: key names (any depth, case-insensitive) or a predicate; matching
   * values in payloads and meta are written as `"[REDACTED]"`.
   * @default nothing is redacted
   * @example
   * ```ts
   * new EventLogger({ redact: ["apiKey", "authorization"] });
   * ```
   */
  redact?: Redaction;
  /**
   * Includes the run's state (the `START` payload) in the log.
   * @default false: `START` is logged without its payload
   */
  logState?: boolean;
}

const COLOR: Record<LogLevel, string> = {
  debug: "\x1b[90m",
  info: "\x1b[32m",
  warn: "\x1b[33m",
  error: "\x1b[31m",
};

/** The level of an event. */
export function levelOf(event: PipeEvent): LogLevel {
  switch (event.type) {
    case "step_error":
      return event.payload.retrying ? "warn" : "error";
    case "cancelled":
    case "timeout":
      return "warn";
    case "finish":
      if (event.payload.status === "failed") return "error";
      return event.payload.status === "success" || event.payload.status === "suspended" ? "info" : "warn";
    case "start":
    case "step_end":
    case "map_start":
    case "map_complete":
    case "suspend":
      return "info";
    default:
      return "debug";
  }
}

function summary(event: PipeEvent): string {
  switch (event.type) {
    case "step_error":
      return `${event.payload.message}${event.payload.retrying ? " (retrying)" : ""}`;
    case "step_end": {
      const durationMs = (event.meta?.framework as { durationMs?: number } | undefined)?.durationMs;
      return durationMs === undefined ? "" : `${Math.round(durationMs)}ms`;
    }
    case "finish":
      return `${event.payload.status} in ${Math.round(event.payload.durationMs)}ms${event.payload.error ? `: ${event.payload.error}` : ""}`;
    case "suspend":
    case "cancelled":
    case "timeout":
      return event.payload.reason;
    case "map_start":
      return `-> ${event.payload.target}${event.payload.itemCount === undefined ? "" : ` x${event.payload.itemCount}`}`;
    case "map_worker":
      return `${event.payload.target}[${event.payload.index}]`;
    case "map_complete":
      return `${event.payload.itemCount} items`;
    case "barrier_wait":
      return `waiting for ${event.payload.waitingFor.join(", ")}`;
    case "barrier_release":
      return `after ${Math.round(event.payload.durationMs)}ms`;
    default:
      return "";
  }
}

/**
 * An observer that logs a pipe's events: levels, filters by event type and step, human lines on a
 * terminal or JSON lines to any writable stream, and secrets redacted.
 *
 * @example
 * ```ts
 * import { EventLogger } from "justpipe/observers";
 * pipe.addObserver(new EventLogger({ level: "debug", steps: ["search"], redact: ["apiKey"] }));
 * // JSON lines into a file, or into pino: new EventLogger({ stream: pino.destination("runs.log"), format: "json" })
 * ```
 */
export class EventLogger implements Observer {
  readonly #minimum: number;
  readonly #types: ReadonlySet<string> | undefined;
  readonly #steps: ReadonlySet<string> | undefined;
  readonly #stream: LogSink;
  readonly #json: boolean;
  readonly #color: boolean;
  readonly #hidden: ((key: string, value: unknown) => boolean) | undefined;
  readonly #logState: boolean;

  constructor(options: EventLoggerOptions = {}) {
    const level = options.level ?? "info";
    if (!(level in RANK)) {
      throw new TypeError(
        `Expected \`level\` to be one of debug, info, warn, error, got \`${String(level)}\` (${typeof level}).`,
      );
    }
    if (options.format !== undefined && options.format !== "pretty" && options.format !== "json") {
      throw new TypeError(`Expected \`format\` to be "pretty" or "json", got \`${String(options.format)}\`.`);
    }
    this.#minimum = RANK[level];
    this.#types = options.types === undefined ? undefined : new Set(options.types);
    this.#steps = options.steps === undefined ? undefined : new Set(options.steps);
    this.#stream = options.stream ?? process.stderr;
    const tty = this.#stream.isTTY === true;
    this.#json = (options.format ?? (tty ? "pretty" : "json")) === "json";
    this.#color = options.color ?? tty;
    this.#hidden = redactionTest(options.redact);
    this.#logState = options.logState ?? false;
  }

  /** True when the event passes the level, type and step filters. */
  accepts(event: PipeEvent): boolean {
    if (RANK[levelOf(event)] < this.#minimum) return false;
    if (this.#types !== undefined && !this.#types.has(event.type)) return false;
    if (this.#steps === undefined || event.stage === "system" || event.stage.endsWith(":system")) return true;
    const step = event.stage.slice(event.stage.lastIndexOf(":") + 1);
    return this.#steps.has(event.stage) || this.#steps.has(step);
  }

  /** Formats one event as the logger would write it (without the newline). */
  format(event: PipeEvent, pipeName: string): string {
    const level = levelOf(event);
    const payload = event.type === "start" && !this.#logState ? undefined : event.payload;
    if (this.#json) {
      return JSON.stringify({
        level,
        time: event.timestamp,
        pipe: pipeName,
        runId: event.runId,
        seq: event.seq,
        type: event.type,
        stage: event.stage,
        invocationId: event.invocationId,
        attempt: event.attempt,
        payload: toJsonSafe(payload, this.#hidden),
        meta: toJsonSafe(event.meta, this.#hidden),
      });
    }
    const time = new Date(event.timestamp).toISOString().slice(11, 23);
    const attempt = event.attempt > 1 ? ` (attempt ${event.attempt})` : "";
    let text = summary(event);
    if (event.type === "token")
      text = JSON.stringify(toJsonSafe(event.payload, this.#hidden))?.slice(0, 80) ?? "";
    if (event.type === "start" && this.#logState) text = JSON.stringify(toJsonSafe(payload, this.#hidden));
    const body = `${level.toUpperCase().padEnd(5)} ${event.type.padEnd(15)} ${event.stage}${attempt}${text ? `  ${text}` : ""}`;
    const head = `${time} [${pipeName}]`;
    return this.#color ? `\x1b[90m${head}\x1b[0m ${COLOR[level]}${body}\x1b[0m` : `${head} ${body}`;
  }

  /** Writes the event when it passes the filters. */
  onEvent(event: PipeEvent, info: ObserverInfo): void {
    if (!this.accepts(event)) return;
    this.#stream.write(`${this.format(event, info.pipeName)}\n`);
  }
}
