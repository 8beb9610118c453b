import { useMemo } from "preact/hooks";
import { duration } from "../format.js";
import type { RunModel } from "../model/invocations.js";
import { timelineRows } from "../model/timeline-rows.js";

/** Rows with more invocations than this are drawn as one folded span with a count. */
const MAX_BARS_PER_ROW = 200;

/**
 * Every invocation on one time axis: a bar each (retries marked with their attempt, failed ones
 * red), barrier waits hatched on the join's row, map workers folded into their step's row with a
 * count, sub-pipeline steps indented under their sub step.
 */
export function Timeline({ model, now }: { model: RunModel; now: number }) {
  const rows = useMemo(() => timelineRows(model), [model]);
  const start = model.first;
  const open = model.invocations.some((item) => item.end === null);
  const end = Math.max(model.last, open ? now : model.last, start + 1);
  const span = end - start;
  const at = (time: number) => `${(((time - start) / span) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `max(2px, ${(((to - from) / span) * 100).toFixed(3)}%)`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => ({
    left: `${fraction * 100}%`,
    label: duration(fraction * span),
  }));
  if (rows.length === 0) return <p class="muted">No step ran.</p>;
  return (
    <figure class="timeline" aria-label="Timeline of invocations">
      <div class="timeline-axis">
        <span class="timeline-label">step</span>
        <span class="timeline-track">
          {ticks.map((tick) => (
            <span key={tick.left} class="timeline-tick" style={{ left: tick.left }}>
              {tick.label}
            </span>
          ))}
        </span>
      </div>
      {rows.map((row) => {
        const folded = row.invocations.length > MAX_BARS_PER_ROW;
        const first = Math.min(...row.invocations.map((item) => item.start));
        const last = Math.max(...row.invocations.map((item) => item.end ?? end));
        return (
          <div class="timeline-row" key={row.key} data-stage={row.key}>
            <span
              class="timeline-label"
              title={row.key}
              style={{ paddingLeft: `${0.4 + row.depth * 1.1}rem` }}
            >
              {row.depth > 0 ? "↳ " : ""}
              {row.label}
              {row.workers > 0 ? (
                <span class="badge" title="map workers">
                  ×{row.workers}
                </span>
              ) : null}
              {row.retries > 0 ? (
                <span class="badge badge-warn" title="retries">
                  ↻{row.retries}
                </span>
              ) : null}
            </span>
            <span class="timeline-track">
              {row.waits.map((wait, index) => (
                <span
                  key={`w${index}`}
                  class="bar bar-wait"
                  data-wait=""
                  style={{ left: at(wait.start), width: width(wait.start, wait.end ?? end) }}
                  title={`barrier wait: ${duration((wait.end ?? end) - wait.start)}`}
                />
              ))}
              {folded ? (
                <span
                  class="bar bar-folded"
                  data-folded={row.invocations.length}
                  style={{ left: at(first), width: width(first, last) }}
                  title={`${row.invocations.length} invocations folded`}
                >
                  {row.invocations.length} invocations
                </span>
              ) : (
                row.invocations.map((invocation) => (
                  <span
                    key={invocation.id + invocation.attempt}
                    class={`bar bar-${invocation.outcome} ${row.workers > 0 ? "bar-worker" : ""}`}
                    data-invocation={invocation.id}
                    style={{
                      left: at(invocation.start),
                      width: width(invocation.start, invocation.end ?? end),
                    }}
                    title={`${row.key}${invocation.attempt > 1 ? ` attempt ${invocation.attempt}` : ""}: ${invocation.outcome}, ${duration((invocation.end ?? end) - invocation.start)}${invocation.error ? ` (${invocation.error})` : ""}`}
                  >
                    {invocation.attempt > 1 ? `#${invocation.attempt}` : ""}
                  </span>
                ))
              )}
            </span>
          </div>
        );
      })}
    </figure>
  );
}
