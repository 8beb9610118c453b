import { shownValue } from "../errors/messages.js";
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
  /** The item indices of those workers (a checkpoint's running items; retries included). */
  readonly running: Set<number>;
  exhausted: boolean;
  /** A pull (or a wait for queue space) is under way. */
  pulling: boolean;
  /** Inside the pump loop (guards re-entry from synchronous workers). */
  pumping: boolean;
  completed: boolean;
  sourceError: unknown;
}

function describeValue(value: unknown): string {
  if (
    typeof value === "object" &&
    value !== null &&
    value.constructor !== Object &&
    value.constructor !== undefined
  ) {
    return `${shownValue(value, 80)}, an instance of ${value.constructor.name || "an anonymous class"}`;
  }
  return shownValue(value, 80);
}

const WORKER_INDEX = /\[(\d+)\]$/;

/** The item index of a map worker, from the last entry of its scope (`"work[3]"`). */
export function workerIndex(scope: readonly string[]): number {
  return Number(WORKER_INDEX.exec(scope.at(-1) ?? "")?.[1] ?? -1);
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
    typeof source !== "string" &&
    !(source instanceof String)
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
  if (iterator === null || typeof iterator !== "object" || typeof iterator.next !== "function") {
    run.onControlError(
      owner,
      new TypeError(
        `Map step '${node.name}' returned an iterable whose iterator has no next() method (got ${describeValue(iterator)}). Return an array, a Set, a generator, or an object whose [Symbol.iterator]() returns { next() }.`,
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
    running: new Set(),
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
export function mapWorkerClosed(run: SchedulerPort, owner: Invocation, scope: readonly string[]): void {
  const driver = owner.children as MapDriver;
  driver.active--;
  driver.running.delete(workerIndex(scope));
  if (!driver.pumping) pump(run, owner, driver);
}

function pump(run: SchedulerPort, owner: Invocation, driver: MapDriver): void {
  if (driver.pumping || driver.completed) return;
  driver.pumping = true;
  try {
    while (
      !run.stopping &&
      !driver.exhausted &&
      !driver.pulling &&
      driver.active < driver.limit &&
      !owner.closed
    ) {
      if (run.queue.full) {
        waitForSpace(run, owner, driver);
        break;
      }
      if (!driver.isAsync) {
        let next: IteratorResult<unknown>;
        try {
          next = (driver.iterator as Iterator<unknown>).next();
        } catch (error) {
          driver.exhausted = true;
          driver.sourceError = error;
          break;
        }
        if (next === null || typeof next !== "object") {
          driver.exhausted = true;
          driver.sourceError = badResult(owner, next);
          break;
        }
        if (next.done) driver.exhausted = true;
        else spawn(run, owner, driver, next.value);
      } else {
        pull(run, owner, driver);
      }
    }
  } finally {
    driver.pumping = false;
  }
  maybeComplete(run, owner, driver);
}

function waitForSpace(run: SchedulerPort, owner: Invocation, driver: MapDriver): void {
  driver.pulling = true;
  run.hold();
  const resume = () => {
    driver.pulling = false;
    pump(run, owner, driver);
    run.release();
  };
  const wait = run.queue.waitForSpace();
  if (wait === undefined) queueMicrotask(resume);
  else void wait.then(resume);
}

function pull(run: SchedulerPort, owner: Invocation, driver: MapDriver): void {
  driver.pulling = true;
  run.hold();
  let result: Promise<IteratorResult<unknown>>;
  try {
    result = Promise.resolve((driver.iterator as AsyncIterator<unknown>).next());
  } catch (error) {
    result = Promise.reject(error);
  }
  result.then(
    (next) => {
      driver.pulling = false;
      if (next === null || typeof next !== "object") {
        driver.exhausted = true;
        driver.sourceError = badResult(owner, next);
      } else if (next.done) driver.exhausted = true;
      else if (!owner.closed && !run.stopping) spawn(run, owner, driver, next.value);
      pump(run, owner, driver);
      run.release();
    },
    (error) => {
      driver.pulling = false;
      driver.exhausted = true;
      driver.sourceError = error;
      pump(run, owner, driver);
      run.release();
    },
  );
}

/** The error of a source whose `next()` gave something other than an iterator result. */
function badResult(owner: Invocation, result: unknown): TypeError {
  return new TypeError(
    `Map step '${owner.node.name}': its source's next() returned ${describeValue(result)}, not an iterator result. next() must return (or resolve to) an object { value, done }.`,
  );
}

function spawn(run: SchedulerPort, owner: Invocation, driver: MapDriver, item: unknown): void {
  const index = driver.index++;
  const resumed = owner.resumeMap;
  // A resumed map skips the items whose workers had ended before the run stopped.
  if (resumed !== undefined && index < resumed.nextIndex && !resumed.rerun.has(index)) return;
  driver.active++;
  driver.running.add(index);
  const metrics = run.metrics;
  metrics.workersStarted++;
  if (driver.active > metrics.peakWorkers) metrics.peakWorkers = driver.active;
  run.emitMapEvent(EventType.MAP_WORKER, owner, {
    index,
    target: driver.worker.name,
    owner: owner.node.name,
  });
  const scope = [...owner.scope, `${driver.worker.name}[${index}]`];
  run.startMapWorker(driver.worker, owner, item, scope);
}

function maybeComplete(run: SchedulerPort, owner: Invocation, driver: MapDriver): void {
  if (driver.completed || driver.active > 0 || owner.closed) return;
  // An aborted run cancels the owner; after Stop or Suspend a map whose items all ran completes.
  if (
    run.aborted ||
    (run.stopping && !(driver.exhausted && !driver.pulling && driver.sourceError === undefined))
  ) {
    driver.completed = true;
    closeSource(driver);
    run.cancelStep(
      owner,
      run.aborted ? run.abortMessage : "The run stopped before every item of the map ran",
    );
    return;
  }
  if (!driver.exhausted || driver.pulling) return;
  driver.completed = true;
  if (driver.sourceError !== undefined) {
    run.onControlError(owner, driver.sourceError);
    return;
  }
  run.emitMapEvent(EventType.MAP_COMPLETE, owner, { target: driver.worker.name, itemCount: driver.index });
  run.endStep(owner);
  run.follow(owner);
}

function closeSource(driver: MapDriver): void {
  if (driver.exhausted) return;
  try {
    const done = driver.iterator.return?.(undefined);
    if (done instanceof Promise) done.then(undefined, () => {});
  } catch {
    // A source that fails to close has nothing left to give.
  }
}
