import { buildTimeline, compareRuns, type StepSummary, type Timeline } from "../../../src/inspect/index.js";
import { getJson, type RunDetail, type RunsPage, runUrl, type StoredEvent } from "../api.js";
import { Status } from "../components/Status.js";
import { duration, shortId } from "../format.js";
import { lastSeqOf } from "../model/run-view.js";
import { href, type Route } from "../router.js";
import { useData } from "../use-data.js";

interface Side {
  detail: RunDetail;
  timeline: Timeline;
}

async function loadSide(runId: string, signal: AbortSignal): Promise<Side> {
  const detail = await getJson<RunDetail>(runUrl(runId), {}, signal);
  let events: StoredEvent[] = [];
  for (;;) {
    const page = await getJson<{ events: StoredEvent[] }>(
      `${runUrl(detail.run.runId)}/events`,
      { afterSeq: lastSeqOf(events.at(-1)), limit: 10_000 },
      signal,
    );
    events = events.concat(page.events);
    if (page.events.length < 10_000) break;
  }
  return { detail, timeline: buildTimeline(events) };
}

function StepCell({ summary }: { summary: StepSummary | undefined }) {
  if (summary === undefined)
    return (
      <td colSpan={2} class="muted">
        did not run
      </td>
    );
  return (
    <>
      <td>
        <Status status={summary.status === "success" ? "ended" : summary.status} />
        {summary.invocations > 1 ? <span class="badge">×{summary.invocations}</span> : null}
        {summary.retries > 0 ? <span class="badge badge-warn">↻{summary.retries}</span> : null}
      </td>
      <td class="number">{duration(summary.durationMs)}</td>
    </>
  );
}

/** Two runs side by side: per step, what it did and how long it took; changes highlighted. */
export function ComparePage({ route }: { route: Route }) {
  const a = route.params.get("a") ?? "";
  const b = route.params.get("b") ?? "";
  const pair = useData(
    async (signal) => (a && b ? Promise.all([loadSide(a, signal), loadSide(b, signal)]) : undefined),
    `${a}|${b}`,
  );
  const base = useData(
    async (signal) => (a && !b ? getJson<RunDetail>(runUrl(a), {}, signal) : undefined),
    `base|${a}|${b}`,
  );
  const candidates = useData(
    async (signal) =>
      base.data
        ? getJson<RunsPage>("/api/runs", { pipe: base.data.run.pipeName, limit: 20 }, signal)
        : undefined,
    `candidates|${base.data?.run.runId ?? ""}`,
  );
  if (!a)
    return (
      <main class="page">
        <h1>Compare runs</h1>
        <p>Mark two runs in the runs table (x), or open a run and choose “Compare…”.</p>
      </main>
    );
  if (!b) {
    return (
      <main class="page">
        <h1>Compare {shortId(a)} with…</h1>
        <ul class="pick">
          {(candidates.data?.runs ?? [])
            .filter((run) => run.runId !== base.data?.run.runId)
            .map((run) => (
              <li key={run.runId}>
                <a class="mono" href={href("/compare", { a: base.data?.run.runId ?? a, b: run.runId })}>
                  {shortId(run.runId)}
                </a>{" "}
                <Status status={run.status} /> {duration(run.durationMs)}
              </li>
            ))}
        </ul>
      </main>
    );
  }
  if (pair.error)
    return (
      <main class="page">
        <p class="error-box" role="alert">
          {pair.error}
        </p>
      </main>
    );
  if (!pair.data)
    return (
      <main class="page">
        <p class="muted">Loading both runs…</p>
      </main>
    );
  const [left, right] = pair.data;
  const comparison = compareRuns(left.timeline, right.timeline);
  return (
    <main class="page">
      <header class="page-header">
        <h1>Compare runs</h1>
        <span class={`verdict verdict-${comparison.verdict}`} data-verdict={comparison.verdict}>
          {comparison.verdict}
        </span>
      </header>
      <table class="compare">
        <thead>
          <tr>
            <th>Step</th>
            {[left, right].map((side, index) => (
              <th key={side.detail.run.runId} colSpan={2}>
                {index === 0 ? "a " : "b "}
                <a class="mono" href={`/runs/${encodeURIComponent(side.detail.run.runId)}`}>
                  {shortId(side.detail.run.runId)}
                </a>{" "}
                <Status status={side.detail.run.status} /> {duration(side.detail.run.durationMs)}
                <div class="muted">{side.detail.run.pipeName}</div>
              </th>
            ))}
            <th class="number">Δ duration</th>
          </tr>
        </thead>
        <tbody>
          {comparison.steps.map((step) => (
            <tr
              key={step.step}
              class={step.change === "same" ? "" : `changed change-${step.change}`}
              data-step={step.step}
              data-change={step.change}
            >
              <td class="mono">{step.step}</td>
              <StepCell summary={step.a} />
              <StepCell summary={step.b} />
              <td
                class={`number ${step.change === "slower" ? "worse" : step.change === "faster" ? "better" : ""}`}
              >
                {step.durationDeltaMs === undefined
                  ? ""
                  : `${step.durationDeltaMs >= 0 ? "+" : "−"}${duration(Math.abs(step.durationDeltaMs))}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {comparison.notes.length > 0 ? (
        <ul class="notes">
          {comparison.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </main>
  );
}
