// A view of a store that "dies" with its process: after kill(), nothing more reaches the store
// through it (no writes, no lease renewal, no release: those calls never settle), as when a
// process is SIGKILLed. The next "process" uses the store itself.
import type { Store } from "../../../src/index.js";

const WRITES = new Set(["write", "createRun", "claim", "renew", "release"]);

export function dyingView(store: Store): { view: Store; kill(): void } {
  let dead = false;
  const view = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (WRITES.has(property as string))
        return (...args: unknown[]) => (dead ? new Promise(() => {}) : value.apply(target, args));
      return value.bind(target);
    },
  });
  return {
    view,
    kill() {
      dead = true;
    },
  };
}
