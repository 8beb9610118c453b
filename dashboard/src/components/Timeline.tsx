import type { Timeline as TimelineModel } from "../../../src/inspect/index.js";
import { duration } from "../format.js";

/** Lanes with more invocations than this are drawn as one folded span with a count. */
const MAX_BARS_PER_LANE = 200;

/**
 * Every invocation on one time axis (the inspect layer's timeline): a bar each (retried attempts
 * marked, failed ones red), barrier waits hatched on the join's lane, map workers folded into
 * their step's lane with a count, sub-pipeline steps indented under their sub step.
 */
export function Timeline({ timeline, now }: { timeline: TimelineModel; now: number }) {
  const open = timeline.invocations.some((item) => item.end === undefined);
  const end = Math.max(timeline.end, open ? now - timeline.startedAt : 0, 1);
  const at = (time: number) => `${((time / end) * 100).toFixed(3)}%`;
  const width = (from: number, to: number) => `max(2px, ${(((to - from) / end) * 100).toFixed(3)}%)`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => ({
    left: `${fraction * 100}%`,
    label: duration(fraction * end),
  }));
  if (timeline.lanes.length === 0) return <p class="muted">No step ran.</p>;
  const suspended = new Set(timeline.suspends.map((suspend) => suspend.step));
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
      {timeline.lanes.map((lane) => {
        const folded = lane.invocations.length > MAX_BARS_PER_LANE;
        const waits = timeline.barriers.filter((barrier) => barrier.lane === lane.key);
        const retried = lane.counts.retried;
        return (
          <div class="timeline-row" key={lane.key} data-stage={lane.key}>
            <span
              class="timeline-label"
              title={lane.key}
              style={{ paddingLeft: `${0.4 + lane.depth * 1.1}rem` }}
            >
              {lane.depth > 0 ? "↳ " : ""}
              {lane.step}
              {lane.mapWorkers ? (
                <span class="badge" title="map workers">
                  ×{lane.counts.total}
                </span>
              ) : null}
              {retried > 0 ? (
                <span class="badge badge-warn" title="retried attempts">
                  ↻{retried}
                </span>
              ) : null}
            </span>
            <span class="timeline-track">
              {waits.map((wait, index) => (
                <span
                  key={`w${index}`}
                  class="bar bar-wait"
                  data-wait=""
                  style={{ left: at(wait.start), width: width(wait.start, wait.end ?? end) }}
                  title={`barrier wait for ${wait.waitingFor.join(", ") || "parents"}: ${duration((wait.end ?? end) - wait.start)}`}
                />
              ))}
              {folded ? (
                <span
                  class="bar bar-folded"
                  data-folded={lane.invocations.length}
                  style={{ left: at(lane.start), width: width(lane.start, lane.end ?? end) }}
                  title={`${lane.invocations.length} invocations folded: ${lane.counts.success} ended, ${lane.counts.failed} failed`}
                >
                  {lane.invocations.length} invocations
                </span>
              ) : (
                lane.invocations.map((invocation) => {
                  const outcome =
                    invocation.status === "success"
                      ? suspended.has(lane.key)
                        ? "suspended"
                        : "ended"
                      : invocation.status;
                  return (
                    <span
                      key={invocation.id}
                      class={`bar bar-${outcome} ${lane.mapWorkers ? "bar-worker" : ""}`}
                      data-invocation={invocation.id}
                      style={{
                        left: at(invocation.start),
                        width: width(invocation.start, invocation.end ?? end),
                      }}
                      title={`${lane.key}${invocation.mapIndex === undefined ? "" : ` [${invocation.mapIndex}]`}${invocation.attempt > 1 ? ` attempt ${invocation.attempt}` : ""}: ${outcome}, ${duration((invocation.end ?? end) - invocation.start)}${invocation.error ? ` (${invocation.error})` : ""}`}
                    >
                      {invocation.attempt > 1 ? `#${invocation.attempt}` : ""}
                    </span>
                  );
                })
              )}
            </span>
          </div>
        );
      })}
    </figure>
  );
}
