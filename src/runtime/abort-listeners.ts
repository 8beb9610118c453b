/**
 * One `abort` listener per signal, shared by every run, child run and backoff that waits on it.
 *
 * Node warns (`MaxListenersExceededWarning`) when an `AbortSignal` gets more than 10 listeners:
 * one external signal passed to many runs, a run signal shared by many sub-pipeline children, or
 * many concurrent retry backoffs would each add their own. Here each signal gets a single listener
 * while anything waits on it, calling the callbacks registered through {@link whenAborted}; it is
 * removed when the last one unregisters, so a long-lived signal keeps nothing once its runs end.
 */
interface Waiters {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const waitersBySignal = new WeakMap<AbortSignal, Waiters>();

/**
 * Calls `callback` once when `signal` aborts (not when it already has: check `signal.aborted`
 * first). Returns what unregisters it.
 */
export function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  let waiters = waitersBySignal.get(signal);
  if (waiters === undefined) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      waitersBySignal.delete(signal);
      for (const registered of callbacks) registered();
      callbacks.clear();
    };
    waiters = { callbacks, listener };
    waitersBySignal.set(signal, waiters);
    signal.addEventListener("abort", listener, { once: true });
  }
  const entry = () => callback();
  const registered = waiters;
  registered.callbacks.add(entry);
  return () => {
    if (!registered.callbacks.delete(entry) || registered.callbacks.size > 0) return;
    signal.removeEventListener("abort", registered.listener);
    if (waitersBySignal.get(signal) === registered) waitersBySignal.delete(signal);
  };
}

type SetMaxListeners = (n: number, ...targets: EventTarget[]) => void;
let setMaxListeners: SetMaxListeners | null | undefined;

/**
 * Lifts Node's listener warning on a signal the library owns and hands to many steps at once (the
 * run's signal: every concurrent step may listen to it, e.g. through `fetch`). Outside Node, a no-op.
 */
export function allowManyListeners(signal: AbortSignal): AbortSignal {
  if (setMaxListeners === undefined) {
    const host = globalThis.process as { getBuiltinModule?: (id: string) => unknown } | undefined;
    const events = host?.getBuiltinModule?.("node:events") as
      | { setMaxListeners?: SetMaxListeners }
      | undefined;
    setMaxListeners = events?.setMaxListeners ?? null;
  }
  setMaxListeners?.(0, signal);
  return signal;
}
