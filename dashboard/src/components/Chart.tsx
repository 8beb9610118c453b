import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** A uPlot chart that follows its container's width. */
export function Chart(props: {
  options: Omit<uPlot.Options, "width">;
  data: uPlot.AlignedData;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const plot = new uPlot(
      { ...props.options, width: Math.max(300, element.clientWidth) },
      props.data,
      element,
    );
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(300, element.clientWidth), height: props.options.height }),
    );
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [props.options, props.data]);
  return <div class="chart" ref={host} role="img" aria-label={props.label} />;
}
