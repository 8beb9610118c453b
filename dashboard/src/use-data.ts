import { useEffect, useState } from "preact/hooks";

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
}

/**
 * Loads data for a view, again whenever `key` changes, and every `refreshMs` while the page is
 * visible (the live runs table). Keeps the last data while reloading, so nothing flickers.
 */
export function useData<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
  refreshMs?: number,
): Loaded<T> {
  const [state, setState] = useState<Loaded<T> & { key: string }>({ data: undefined, error: undefined, key });
  useEffect(() => {
    let controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () => {
      controller = new AbortController();
      load(controller.signal)
        .then(
          (data) => setState({ data, error: undefined, key }),
          (error: unknown) => {
            if (controller.signal.aborted) return;
            setState((previous) => ({
              data: previous.key === key ? previous.data : undefined,
              error: String((error as Error).message ?? error),
              key,
            }));
          },
        )
        .finally(() => {
          if (refreshMs !== undefined && !controller.signal.aborted) timer = setTimeout(tick, refreshMs);
        });
    };
    const tick = () => {
      if (document.visibilityState === "hidden") timer = setTimeout(tick, refreshMs);
      else run();
    };
    run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [key]);
  return state.key === key ? state : { data: state.data, error: undefined };
}
