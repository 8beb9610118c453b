import { type Clock, type PipeEvent, realClock } from "../index.js";
import { createEncoder, type Encoder, type StreamFormat } from "./formats.js";
import { type EventSelection, selectEvents } from "./select.js";
import type { UiMessageOptions } from "./ui-message.js";

/** Options shared by `toReadableStream()`, `toResponse()` and `sendToNodeResponse()`. */
export interface ServeOptions extends UiMessageOptions {
  /**
   * The wire format (see {@link StreamFormat}).
   * @default "sse"
   */
  format?: StreamFormat;
  /**
   * Which events go out (see {@link EventSelection}); the run's `FINISH` always does. `"all"` sends
   * `START`, whose payload is the run's state: choose it only when the client may see the state.
   * @default "progress"
   * @example
   * ```ts
   * toResponse(pipe.run(state), { events: "tokens" });
   * ```
   */
  events?: EventSelection;
  /**
   * Milliseconds of silence after which a heartbeat comment (`: keep-alive`) is written, so proxies
   * and load balancers keep an idle stream open while a step works; `false` or `0` turns it off.
   * Ignored by `"ndjson"`, which has no comments.
   * @default 15000
   */
  heartbeatMs?: number | false;
  /**
   * Closes the run when it aborts: pass the request's signal (`request.signal`, `c.req.raw.signal`),
   * so a client that goes away closes the run (shutdown hooks run) even where the server does not
   * cancel the response body.
   * @default none
   */
  signal?: AbortSignal;
  /**
   * The clock of the heartbeat timer (a `SimulatedClock` in tests).
   * @default realClock
   */
  clock?: Clock;
}

const DEFAULT_HEARTBEAT_MS = 15_000;

/**
 * One served run: pulls events, keeps the selected ones, encodes them, writes heartbeats while the
 * run is silent, and closes the run when the client goes away. Both the Web stream and the Node
 * response drive it: `next()` gives the next text to write until the run is over.
 */
export class RunSession {
  readonly encoder: Encoder;
  readonly #iterator: AsyncIterator<PipeEvent, unknown, undefined>;
  readonly #select: (event: PipeEvent) => boolean;
  readonly #heartbeatMs: number;
  readonly #clock: Clock;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.close();
  #opened = false;
  #over = false;
  #closing: Promise<void> | undefined;
  #timer: unknown;
  #wrote = false;

  constructor(run: AsyncIterable<PipeEvent<any>>, options: ServeOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError(`justpipe/http: expected the options to be an object, got \`${String(options)}\`.`);
    }
    if (
      run === null ||
      typeof (run as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] !== "function"
    ) {
      throw new TypeError(
        "justpipe/http: expected `run` to be what pipe.run() returned (an async iterable of events).",
      );
    }
    const { heartbeatMs = DEFAULT_HEARTBEAT_MS } = options;
    if (
      heartbeatMs !== false &&
      !(typeof heartbeatMs === "number" && heartbeatMs >= 0 && Number.isFinite(heartbeatMs))
    ) {
      throw new TypeError(
        `justpipe/http: expected \`heartbeatMs\` to be a number of milliseconds >= 0 or false, got \`${String(heartbeatMs)}\`.`,
      );
    }
    this.encoder = createEncoder(options.format ?? "sse", options);
    this.#select = selectEvents(options.events ?? "progress");
    this.#heartbeatMs = heartbeatMs === false ? 0 : heartbeatMs;
    this.#clock = options.clock ?? realClock;
    this.#iterator = run[Symbol.asyncIterator]();
    this.#signal = options.signal;
    if (this.#signal?.aborted) void this.close();
    else this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** True once the run is over or closed: nothing more will be written. */
  get over(): boolean {
    return this.#over;
  }

  /** Starts writing heartbeats through `write` while the run is silent (none for ndjson or when off). */
  startHeartbeat(write: (text: string) => void): void {
    const heartbeat = this.encoder.heartbeat;
    if (heartbeat === undefined || this.#heartbeatMs === 0 || this.#over) return;
    const tick = () => {
      if (this.#over) return;
      if (!this.#wrote) write(heartbeat);
      this.#wrote = false;
      this.#timer = this.#clock.setTimeout(tick, this.#heartbeatMs);
    };
    this.#timer = this.#clock.setTimeout(tick, this.#heartbeatMs);
  }

  /** The next text to write, or `undefined` once the run is over (or closed by the client). */
  async next(): Promise<string | undefined> {
    if (this.#over) return undefined;
    let text = "";
    if (!this.#opened) {
      this.#opened = true;
      text = this.encoder.open();
    }
    for (;;) {
      let result: IteratorResult<PipeEvent, unknown>;
      try {
        result = await this.#iterator.next();
      } catch (error) {
        if (this.#over) return undefined;
        this.#end();
        return text + this.encoder.fail(error);
      }
      if (this.#over) return undefined;
      if (result.done === true) {
        this.#end();
        text += this.encoder.close();
        return text === "" ? undefined : text;
      }
      const event = result.value;
      if (!this.#select(event)) continue;
      let encoded: string;
      try {
        encoded = this.encoder.encode(event);
      } catch (error) {
        await this.close();
        return text + this.encoder.fail(error);
      }
      if (encoded === "" && text === "") continue;
      this.#wrote = true;
      return text + encoded;
    }
  }

  /**
   * The client went away: closes the run (like leaving a `for await` loop: running steps are
   * aborted, shutdown hooks run) and resolves once it is closed.
   */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    const wasOver = this.#over;
    this.#end();
    this.#closing = wasOver
      ? Promise.resolve()
      : Promise.resolve(this.#iterator.return?.()).then(
          () => undefined,
          () => undefined,
        );
    return this.#closing;
  }

  #end(): void {
    this.#over = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#signal?.removeEventListener("abort", this.#onAbort);
  }
}
