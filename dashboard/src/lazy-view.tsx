import type { FunctionComponent, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

/**
 * A view whose module is fetched when it is first shown, so the runs page does not parse what
 * only another page needs (the pipe page's uPlot). Until it has arrived an empty page is shown.
 */
export function lazyView<Props extends object>(
  load: () => Promise<FunctionComponent<Props>>,
): FunctionComponent<Props> {
  let View: FunctionComponent<Props> | undefined;
  let loading: Promise<FunctionComponent<Props>> | undefined;
  return function LazyView(props: Props): JSX.Element {
    const [, setLoaded] = useState(View);
    useEffect(() => {
      if (View !== undefined) return;
      let shown = true;
      loading ??= load();
      void loading.then((loaded) => {
        View = loaded;
        if (shown) setLoaded(() => loaded);
      });
      return () => {
        shown = false;
      };
    }, []);
    return View === undefined ? <main class="page" aria-busy="true" /> : <View {...props} />;
  };
}
