import { useEffect, useMemo, useState } from "preact/hooks";
import { buildTimeline } from "../../../src/inspect/index.js";
import type { StoredEvent } from "../api.js";
import { EventLog } from "../components/EventLog.js";
import { PipelineGraph } from "../components/Graph.js";
import { StateView } from "../components/StateView.js";
import { Status } from "../components/Status.js";
import { Timeline } from "../components/Timeline.js";
import { dateTime, duration, shortId } from "../format.js";
import { stepStates, streamedText } from "../model/run-view.js";
import { href, navigate, type Route } from "../router.js";
import { useRun } from "../use-run.js";

const TABS = ["events", "output", "state"] as const;

/** One run: header, graph coloured by what each step did, timeline, events, output and state. */
export function RunPage({ runId, route }: { runId: string; route: Route }) {
  const { detail, events, loading, error } = useRun(runId);
  const tab = (TABS as readonly string[]).includes(route.params.get("tab") ?? "")
    ? route.params.get("tab")!
    : "events";
  const type = route.params.get("type") ?? "";
  const step = route.params.get("step") ?? "";
  const [now, setNow] = useState(Date.now());
  const running = detail?.run.status === "running";
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [running]);
  const timeline = useMemo(() => buildTimeline(events), [events]);
  const tokens = useMemo(() => streamedText(events), [events]);
  const states = useMemo(
    () =>
      detail?.pipeline
        ? stepStates(
            detail.pipeline.nodes.map((node) => node.name),
            timeline,
            detail.run.status,
          )
        : undefined,
    [detail?.pipeline, detail?.run.status, timeline],
  );
  const set = (change: Record<string, string | undefined>) =>
    navigate(
      href(`/runs/${encodeURIComponent(runId)}`, {
        tab: tab === "events" ? undefined : tab,
        type,
        step,
        ...change,
      }),
      { replace: true },
    );
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (
        event.target instanceof HTMLInputElement ||
        event.target instanceof HTMLSelectElement ||
        event.ctrlKey ||
        event.metaKey ||
        event.altKey
      )
        return;
      const index = ["1", "2", "3"].indexOf(event.key);
      if (index !== -1) set({ tab: TABS[index] });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  if (error)
    return (
      <main class="page">
        <p class="error-box" role="alert">
          {error}
        </p>
      </main>
    );
  if (!detail)
    return (
      <main class="page">
        <p class="muted">Loading run…</p>
      </main>
    );
  const { run, pipeline, chain } = detail;
  const stack = failureStack(events);
  const position = chain.findIndex((link) => link.runId === run.runId);
  return (
    <main class="page run-page">
      <header class="run-header">
        <div class="run-title">
          <Status status={run.status} />
          <h1 class="mono" title={run.runId}>
            {run.runId}
          </h1>
          <a href={`/pipes/${encodeURIComponent(run.pipeName)}`} class="pipe-link">
            {run.pipeName}
          </a>
          <a class="button" href={href("/compare", { a: run.runId })}>
            Compare…
          </a>
        </div>
        <dl class="facts">
          <dt>started</dt>
          <dd>{dateTime(run.startedAt)}</dd>
          <dt>duration</dt>
          <dd>{running ? `${duration(now - run.startedAt)} so far` : duration(run.durationMs)}</dd>
          {run.failureKind && run.failureKind !== "none" ? (
            <>
              <dt>failure</dt>
              <dd>
                {run.failureKind} · {run.failureSource}
                {run.failedStep ? (
                  <>
                    {" "}
                    in <span class="mono failed-step">{run.failedStep}</span>
                  </>
                ) : null}
              </dd>
            </>
          ) : null}
          {run.suspendReason !== null ? (
            <>
              <dt>suspended</dt>
              <dd>
                at <span class="mono">{run.suspendedStep}</span>: {run.suspendReason}
              </dd>
            </>
          ) : null}
          {chain.length > 1 ? (
            <>
              <dt>resume chain</dt>
              <dd class="chain">
                {chain.map((link, index) => (
                  <span key={link.runId}>
                    {index > 0 ? " → " : ""}
                    {link.runId === run.runId ? (
                      <strong class="mono">{shortId(link.runId)}</strong>
                    ) : (
                      <a
                        class="mono"
                        href={`/runs/${encodeURIComponent(link.runId)}`}
                        rel={index < position ? "prev" : "next"}
                      >
                        {shortId(link.runId)}
                      </a>
                    )}
                  </span>
                ))}
              </dd>
            </>
          ) : null}
        </dl>
        {run.error ? (
          <details class="error-box" open>
            <summary>
              <strong>Error:</strong> <span data-error="">{run.error}</span>
            </summary>
            {stack ? <pre class="stack">{stack}</pre> : null}
          </details>
        ) : null}
      </header>
      <div class="run-grid">
        <section class="panel" aria-label="Graph">
          <h2>Graph</h2>
          {pipeline ? (
            <>
              <div class="graph-scroll">
                <PipelineGraph
                  pipeline={pipeline}
                  states={states}
                  selected={step || undefined}
                  onSelect={(name) => set({ step: step === name ? undefined : name, tab: undefined })}
                />
              </div>
              <Legend />
            </>
          ) : (
            <p class="muted">This run's pipeline description was not stored.</p>
          )}
        </section>
        <section class="panel" aria-label="Timeline">
          <h2>Timeline</h2>
          <Timeline timeline={timeline} now={now} />
        </section>
      </div>
      <div class="tabs" role="tablist">
        {TABS.map((name, index) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={tab === name}
            onClick={() => set({ tab: name === "events" ? undefined : name })}
          >
            {name === "events" ? "Events" : name === "output" ? "Streamed output" : "State"}{" "}
            <kbd>{index + 1}</kbd>
          </button>
        ))}
      </div>
      {tab === "events" ? (
        <EventLog
          events={events}
          start={timeline.startedAt}
          type={type}
          step={step}
          loading={loading}
          onFilter={(filter) => set(filter)}
        />
      ) : tab === "output" ? (
        <Output tokens={tokens} />
      ) : (
        <StateView runId={run.runId} status={run.status} events={events} />
      )}
    </main>
  );
}

function Legend() {
  const items = ["ended", "failed", "cancelled", "skipped", "suspended", "running", "never"] as const;
  return (
    <ul class="legend" aria-label="Legend">
      {items.map((item) => (
        <li key={item}>
          <Status status={item} />
        </li>
      ))}
    </ul>
  );
}

function Output({ tokens }: { tokens: Map<string, string> }) {
  if (tokens.size === 0) return <p class="muted">No step streamed tokens in this run.</p>;
  return (
    <section class="output">
      {[...tokens].map(([stage, text]) => (
        <article key={stage}>
          <h3 class="mono">{stage}</h3>
          <pre class="streamed">{text}</pre>
        </article>
      ))}
    </section>
  );
}

function failureStack(events: readonly StoredEvent[]): string | undefined {
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index]!;
    const payload = event.payload as { retrying?: boolean; error?: { stack?: unknown } } | null;
    if (event.type !== "step_error" || payload?.retrying) continue;
    const error = payload?.error;
    if (error && typeof error.stack === "string") return error.stack;
  }
  return undefined;
}
