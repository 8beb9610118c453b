import type { StatePath } from "../errors/execution.js";
import type { DeltaOperation, StateDelta } from "./state-delta.js";

const DELETED: unique symbol = Symbol("deleted");

/** One object or array of the base state as the handler sees it: its own writes over the base. */
interface Container {
  readonly base: Record<string | number, unknown>;
  readonly path: StatePath;
  readonly isArray: boolean;
  /** Keys (array indices below the base length) the handler wrote or deleted. */
  readonly writes: Map<string, unknown>;
  /** Array values pushed after the base's end. */
  readonly appended: unknown[];
  /** Views of nested containers, by key. */
  readonly children: Map<string, Container>;
  /** Replaced by an array the handler owns (after a change that is not an append). */
  replacement: unknown[] | undefined;
  /** No longer part of the state (its key was overwritten or deleted): writes are not recorded. */
  detached: boolean;
  proxy: object;
}

/**
 * A copy-on-write view of a state, with the changes made through it recorded as a delta: reads fall
 * through to `base` (nothing is copied), writes stay in the view. Arrays that only grow at their end
 * record an `append`; other array changes (`splice`, `sort`, truncation) replace the array whole.
 * Values read through the view are views too; a view written into the state is stored as a plain
 * copy. The base is never modified.
 *
 * This is what remote and isolated executors give handlers instead of a deep copy: the cost is
 * proportional to what the handler touches, not to the size of the state.
 *
 * @example
 * ```ts
 * const { view, delta } = stateView({ results: {}, log: [1] });
 * view.results.a = 1; view.log.push(2);
 * delta().operations; // [{ op: "set", path: ["results", "a"], value: 1 }, { op: "append", path: ["log"], values: [2] }]
 * ```
 */
export function stateView<State extends object>(base: State): { view: State; delta(): StateDelta } {
  const recorder = new Recorder();
  const root = recorder.container(base as Record<string, unknown>, []);
  return { view: root.proxy as State, delta: () => ({ operations: recorder.operations }) };
}

class Recorder {
  readonly operations: DeltaOperation[] = [];
  readonly #byProxy = new WeakMap<object, Container>();

  container(base: Record<string | number, unknown>, path: StatePath): Container {
    const node: Container = {
      base,
      path,
      isArray: Array.isArray(base),
      writes: new Map(),
      appended: [],
      children: new Map(),
      replacement: undefined,
      detached: false,
      proxy: base,
    };
    node.proxy = new Proxy(base, this.#handler(node));
    this.#byProxy.set(node.proxy, node);
    return node;
  }

  /** Plain data for a value about to be stored: views become plain copies of what they show. */
  plain(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    const node = this.#byProxy.get(value);
    if (node !== undefined) return this.#materialize(node);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) value[index] = this.plain(value[index]);
    } else if (isPlainObject(value)) {
      for (const key of Object.keys(value)) value[key] = this.plain(value[key]);
    }
    return value;
  }

  #materialize(node: Container): unknown {
    if (node.replacement !== undefined) return node.replacement;
    const proxy = node.proxy as Record<string | number, unknown>;
    if (node.isArray)
      return Array.from({ length: this.#length(node) }, (_, index) => this.plain(proxy[index]));
    const copy: Record<string, unknown> = {};
    for (const key of Reflect.ownKeys(proxy)) {
      if (typeof key === "string") copy[key] = this.plain(proxy[key]);
    }
    return copy;
  }

  #length(node: Container): number {
    return (node.base as unknown as unknown[]).length + node.appended.length;
  }

  #record(node: Container, operation: DeltaOperation): void {
    if (node.detached) return;
    const last = this.operations.at(-1);
    if (operation.op === "append" && last?.op === "append" && last.path === operation.path) {
      (last.values as unknown[]).push(...operation.values);
      return;
    }
    this.operations.push(operation);
  }

  #detach(node: Container, key: string): void {
    const child = node.children.get(key);
    if (child === undefined) return;
    node.children.delete(key);
    const stack = [child];
    while (stack.length > 0) {
      const current = stack.pop()!;
      current.detached = true;
      stack.push(...current.children.values());
    }
  }

  /** Turns an array view into an array the handler owns, recorded as one `set`. */
  #replace(node: Container): unknown[] {
    const owned = this.#materialize(node) as unknown[];
    node.replacement = owned;
    this.#record(node, { op: "set", path: node.path, value: owned });
    return owned;
  }

  #read(node: Container, key: string): unknown {
    if (node.writes.has(key)) {
      const written = node.writes.get(key);
      return written === DELETED ? undefined : written;
    }
    if (node.isArray) {
      const index = arrayIndex(key);
      const baseLength = (node.base as unknown as unknown[]).length;
      if (index !== undefined && index >= baseLength) return node.appended[index - baseLength];
    }
    const value = node.base[key];
    if (value === null || typeof value !== "object" || !Object.hasOwn(node.base, key)) return value;
    if (!Array.isArray(value) && !isPlainObject(value)) return value;
    let child = node.children.get(key);
    if (child === undefined || child.base !== value) {
      child = this.container(value as Record<string, unknown>, [
        ...node.path,
        node.isArray ? Number(key) : key,
      ]);
      node.children.set(key, child);
    }
    return child.replacement ?? child.proxy;
  }

  #write(node: Container, key: string, raw: unknown): boolean {
    const value = this.plain(raw);
    if (node.isArray) {
      const baseLength = (node.base as unknown as unknown[]).length;
      const length = this.#length(node);
      if (key === "length") {
        if (value === length) return true;
        const owned = this.#replace(node);
        owned.length = value as number;
        return true;
      }
      const index = arrayIndex(key);
      if (index === length) {
        node.appended.push(value);
        this.#record(node, { op: "append", path: node.path, values: [value] });
        return true;
      }
      if (index === undefined || index >= baseLength) {
        const owned = this.#replace(node);
        (owned as unknown as Record<string, unknown>)[key] = value;
        return true;
      }
    }
    this.#detach(node, key);
    node.writes.set(key, value);
    this.#record(node, { op: "set", path: [...node.path, node.isArray ? Number(key) : key], value });
    return true;
  }

  #delete(node: Container, key: string): boolean {
    if (node.isArray) {
      const owned = this.#replace(node);
      delete (owned as unknown as Record<string, unknown>)[key];
      return true;
    }
    this.#detach(node, key);
    node.writes.set(key, DELETED);
    this.#record(node, { op: "delete", path: [...node.path, key] });
    return true;
  }

  #has(node: Container, key: string): boolean {
    if (node.writes.has(key)) return node.writes.get(key) !== DELETED;
    if (node.isArray) {
      const index = arrayIndex(key);
      if (index !== undefined) return index < this.#length(node);
    }
    return key in node.base;
  }

  #keys(node: Container): (string | symbol)[] {
    if (node.isArray) {
      const keys: string[] = Array.from({ length: this.#length(node) }, (_, index) => String(index));
      keys.push("length");
      return keys;
    }
    const keys: (string | symbol)[] = [];
    for (const key of Reflect.ownKeys(node.base)) {
      if (typeof key !== "string" || node.writes.get(key) !== DELETED) keys.push(key);
    }
    for (const [key, value] of node.writes) {
      if (value !== DELETED && !Object.hasOwn(node.base, key)) keys.push(key);
    }
    return keys;
  }

  #handler(node: Container): ProxyHandler<Record<string | number, unknown>> {
    return {
      get: (_target, key, receiver) => {
        if (node.replacement !== undefined) return Reflect.get(node.replacement, key);
        if (typeof key === "symbol") return Reflect.get(node.base, key, receiver);
        if (node.isArray && key === "length") return this.#length(node);
        return this.#read(node, key);
      },
      set: (_target, key, value) => {
        if (node.replacement !== undefined) return Reflect.set(node.replacement, key, this.plain(value));
        if (typeof key === "symbol") return false;
        return this.#write(node, key, value);
      },
      deleteProperty: (_target, key) => {
        if (node.replacement !== undefined) return Reflect.deleteProperty(node.replacement, key);
        if (typeof key === "symbol") return false;
        return this.#delete(node, key);
      },
      has: (_target, key) => {
        if (node.replacement !== undefined) return Reflect.has(node.replacement, key);
        return typeof key === "symbol" ? Reflect.has(node.base, key) : this.#has(node, key);
      },
      ownKeys: () => (node.replacement !== undefined ? Reflect.ownKeys(node.replacement) : this.#keys(node)),
      getOwnPropertyDescriptor: (_target, key) => {
        if (node.replacement !== undefined) {
          const descriptor = Reflect.getOwnPropertyDescriptor(node.replacement, key);
          if (descriptor !== undefined && key !== "length") descriptor.configurable = true;
          return descriptor;
        }
        if (typeof key === "symbol") return Reflect.getOwnPropertyDescriptor(node.base, key);
        if (node.isArray && key === "length") {
          return { value: this.#length(node), writable: true, enumerable: false, configurable: false };
        }
        if (!this.#has(node, key)) return undefined;
        return { value: this.#read(node, key), writable: true, enumerable: true, configurable: true };
      },
      defineProperty: (_target, key, descriptor) => {
        if (typeof key === "symbol" || !("value" in descriptor)) return false;
        if (node.replacement !== undefined)
          return Reflect.set(node.replacement, key, this.plain(descriptor.value));
        return this.#write(node, key, descriptor.value);
      },
    };
  }
}

function arrayIndex(key: string): number | undefined {
  const index = Number(key);
  return Number.isInteger(index) && index >= 0 && String(index) === key ? index : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
