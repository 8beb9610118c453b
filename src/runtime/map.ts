import { EventType } from "../events/types.js";
import type { PlanNode } from "../graph/plan.js";
import type { Invocation } from "./invocation.js";
import type { SchedulerPort } from "./scheduler-port.js";

/** A map's cursor over its items: plain data next to the iterator it pulls from. */
export interface MapDriver {
  readonly worker: PlanNode;
  readonly limit: number;
  readonly iterator: Iterator<unknown> | AsyncIterator<unknown>;
  readonly isAsync: boolean;
  /** Items pulled so far (the next worker's index). */
  index: number;
  /** Workers not yet closed. */
  active: number;
  exhausted: boolean;
  /** A pull (or a wait for queue space) is under way. */
  pulling: boolean;
  /** Inside the pump loop (guards re-entry from synchronous workers). */
  pumping: boolean;
  completed: boolean;
  sourceError: unknown;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

/** Starts fanning out a map step's items over its worker. */
export function startMap(run: SchedulerPort, owner: Invocation, source: unknown): void {
  const node = owner.node;
  let iterator: Iterator<unknown> | AsyncIterator<unknown>;
  let isAsync = false;
  const s = source as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null;
  if (s !== null && s !== undefined && typeof s[Symbol.asyncIterator] === "function") {
    iterator = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    isAsync = true;
  } else if (
    s !== null &&
    s !== undefined &&
    typeof s[Symbol.iterator] === "function" &&
    typeof source !== "string"
  ) {
    iterator = (source as Iterable<unknown>)[Symbol.iterator]();
  } else {
    run.onControlError(
      owner,
      new TypeError(
        `Map step '${node.name}' must return an Iterable or AsyncIterable of items (an array, a Set, a generator...), but returned ${describeValue(source)}.`,
      ),
    );
    return;
  }
  if (run.stopping) {
    run.cancelStep(owner, "The run stopped before the map started");
    return;
  }
  const worker = run.compiled.plan.nodes.get(node.each!)!;
  let itemCount: number | undefined;
  if (Array.isArray(source)) itemCount = source.length;
  else if (source instanceof Set || source instanceof Map) itemCount = source.size;
  run.emitMapEvent(
    EventType.MAP_START,
    owner,
    itemCount === undefined ? { target: worker.name } : { target: worker.name, itemCount },
  );
  const driver: MapDriver = {
    worker,
    limit: node.definition.maxConcurrency ?? Number.POSITIVE_INFINITY,
    iterator,
    isAsync,
    index: 0,
    active: 0,
    exhausted: false,
    pulling: false,
    pumping: false,
    completed: false,
    sourceError: undefined,
  };
  owner.children = driver;
  pump(run, owner, driver);
}

/** Called when a worker of `owner` closed (its lineage ended). */
export function mapWorkerClosed(run: SchedulerPort, owner: Invocation): void {
  const driver = owner.children as MapDriver;
  driver.active--;
  if (!driver.pumping) pump(run, owner, driver);
}

function pump(run: SchedulerPort, owner: Invocation, d: MapDriver): void {
  if (d.pumping || d.completed) return;
  d.pumping = true;
  try {
    while (!run.stopping && !d.exhausted && !d.pulling && d.active < d.limit && !owner.closed) {
      if (run.queue.full) {
        waitForSpace(run, owner, d);
        break;
      }
      if (!d.isAsync) {
        let next: IteratorResult<unknown>;
        try {
          next = (d.iterator as Iterator<unknown>).next();
        } catch (error) {
          d.exhausted = true;
          d.sourceError = error;
          break;
        }
        if (next.done) d.exhausted = true;
        else spawn(run, owner, d, next.value);
      } else {
        pull(run, owner, d);
      }
    }
  } finally {
    d.pumping = false;
  }
  maybeComplete(run, owner, d);
}

function waitForSpace(run: SchedulerPort, owner: Invocation, d: MapDriver): void {
  d.pulling = true;
  run.hold();
  const resume = () => {
    d.pulling = false;
    pump(run, owner, d);
    run.release();
  };
  const wait = run.queue.waitForSpace();
  if (wait === undefined) queueMicrotask(resume);
  else void wait.then(resume);
}

function pull(run: SchedulerPort, owner: Invocation, d: MapDriver): void {
  d.pulling = true;
  run.hold();
  let result: Promise<IteratorResult<unknown>>;
  try {
    result = Promise.resolve((d.iterator as AsyncIterator<unknown>).next());
  } catch (error) {
    result = Promise.reject(error);
  }
  result.then(
    (next) => {
      d.pulling = false;
      if (next.done) d.exhausted = true;
      else if (!owner.closed && !run.stopping) spawn(run, owner, d, next.value);
      pump(run, owner, d);
      run.release();
    },
    (error) => {
      d.pulling = false;
      d.exhausted = true;
      d.sourceError = error;
      pump(run, owner, d);
      run.release();
    },
  );
}

function spawn(run: SchedulerPort, owner: Invocation, d: MapDriver, item: unknown): void {
  const index = d.index++;
  d.active++;
  const metrics = run.metrics;
  metrics.workersStarted++;
  if (d.active > metrics.peakWorkers) metrics.peakWorkers = d.active;
  run.emitMapEvent(EventType.MAP_WORKER, owner, { index, target: d.worker.name, owner: owner.node.name });
  const scope = [...owner.scope, `${d.worker.name}[${index}]`];
  run.startMapWorker(d.worker, owner, item, scope);
}

function maybeComplete(run: SchedulerPort, owner: Invocation, d: MapDriver): void {
  if (d.completed || d.active > 0 || owner.closed) return;
  if (run.stopping && !(d.exhausted && !d.pulling && d.sourceError === undefined)) {
    d.completed = true;
    closeSource(d);
    run.cancelStep(owner, "The run stopped before every item of the map ran");
    return;
  }
  if (!d.exhausted || d.pulling) return;
  d.completed = true;
  if (d.sourceError !== undefined) {
    run.onControlError(owner, d.sourceError);
    return;
  }
  run.emitMapEvent(EventType.MAP_COMPLETE, owner, { target: d.worker.name, itemCount: d.index });
  run.endStep(owner);
  run.follow(owner);
}

function closeSource(d: MapDriver): void {
  if (d.exhausted) return;
  try {
    const done = d.iterator.return?.(undefined);
    if (done instanceof Promise) done.then(undefined, () => {});
  } catch {
    // A source that fails to close has nothing left to give.
  }
}
