import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { StoredEvent } from "../api.js";
import { duration, pretty, preview } from "../format.js";

const ROW_HEIGHT = 26;
const OVERSCAN = 12;

/**
 * The event log as a virtualised list: only the rows in view are in the page (fixed row height,
 * so 100,000 events cost what 40 do; a library would add little for fixed rows). Filters by type
 * and by step; the selected event's payload opens beside the list.
 */
export function EventLog(props: {
  events: readonly StoredEvent[];
  start: number;
  type: string;
  step: string;
  onFilter: (filter: { type?: string; step?: string }) => void;
  loading: boolean;
}) {
  const { events, type, step } = props;
  const types = useMemo(() => [...new Set(events.map((event) => event.type))].sort(), [events]);
  const stages = useMemo(() => [...new Set(events.map((event) => event.stage))].sort(), [events]);
  const shown = useMemo(
    () =>
      events.filter((event) => (type === "" || event.type === type) && (step === "" || event.stage === step)),
    [events, type, step],
  );
  const [selected, setSelected] = useState<number | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(440);
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = list.current;
    if (element === null) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const from = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const to = Math.min(shown.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const chosen = selected === null ? undefined : shown[selected];
  const move = (index: number) => {
    const next = Math.max(0, Math.min(shown.length - 1, index));
    setSelected(next);
    const element = list.current;
    if (element === null) return;
    const top = next * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight)
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
  };
  return (
    <section class="event-log" aria-label="Event log">
      <div class="toolbar">
        <label>
          Type{" "}
          <select
            value={type}
            onChange={(event) => props.onFilter({ type: event.currentTarget.value })}
            data-filter="type"
          >
            <option value="">all types</option>
            {types.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Step{" "}
          <select
            value={step}
            onChange={(event) => props.onFilter({ step: event.currentTarget.value })}
            data-filter="step"
          >
            <option value="">all steps</option>
            {stages.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <span class="muted" data-count={shown.length}>
          {shown.length.toLocaleString()} of {events.length.toLocaleString()} events
          {props.loading ? " (loading…)" : ""}
        </span>
      </div>
      <div class="event-panes">
        <div
          class="event-list"
          ref={list}
          tabIndex={0}
          role="listbox"
          aria-label="Events"
          onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown" || event.key === "j") move((selected ?? -1) + 1);
            else if (event.key === "ArrowUp" || event.key === "k") move((selected ?? 1) - 1);
            else if (event.key === "Escape") setSelected(null);
            else return;
            event.preventDefault();
          }}
        >
          <div class="event-spacer" style={{ height: `${shown.length * ROW_HEIGHT}px` }}>
            {shown.slice(from, to).map((event, offset) => {
              const index = from + offset;
              return (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox takes the keys (↑/↓/j/k/Esc) for its options
                <div
                  key={event.seq}
                  tabIndex={-1}
                  role="option"
                  aria-selected={index === selected}
                  class={`event-row event-${event.type} ${index === selected ? "selected" : ""}`}
                  style={{ top: `${index * ROW_HEIGHT}px` }}
                  data-seq={event.seq}
                  onClick={() => setSelected(index === selected ? null : index)}
                >
                  <span class="event-seq">{event.seq}</span>
                  <span class="event-time">+{duration(event.timestamp - props.start)}</span>
                  <span class="event-type">
                    {event.type}
                    {event.coalesced ? ` ×${event.coalesced.count}` : ""}
                  </span>
                  <span class="event-stage" title={event.stage}>
                    {event.stage}
                  </span>
                  <span class="event-preview">{preview(event.payload)}</span>
                </div>
              );
            })}
          </div>
        </div>
        <div class="event-detail" aria-live="polite">
          {chosen === undefined ? (
            <p class="muted">Select an event (click, or ↑/↓ in the list) to see its payload.</p>
          ) : (
            <>
              <h4>
                #{chosen.seq} {chosen.type} · {chosen.stage}
              </h4>
              <dl class="facts">
                <dt>invocation</dt>
                <dd>{chosen.invocationId ?? "—"}</dd>
                <dt>attempt</dt>
                <dd>{chosen.attempt}</dd>
                <dt>node kind</dt>
                <dd>{chosen.nodeKind}</dd>
              </dl>
              <pre class="payload" data-payload="">
                {pretty(chosen.payload)}
              </pre>
              {chosen.meta ? <pre class="payload">{pretty(chosen.meta)}</pre> : null}
            </>
          )}
        </div>
      </div>
    </section>
  );
}
