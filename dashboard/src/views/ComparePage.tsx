import { getJson, type RunDetail, type RunsPage, runUrl, type StoredEvent } from "../api.js";
import { Status } from "../components/Status.js";
import { duration, shortId } from "../format.js";
import { buildRunModel, type StepState, stepStates } from "../model/invocations.js";
import { href, type Route } from "../router.js";
import { useData } from "../use-data.js";

interface Side {
  detail: RunDetail;
  steps: Map<string, { state: StepState; totalMs: number; count: number }>;
}

async function loadSide(runId: string, signal: AbortSignal): Promise<Side> {
  const detail = await getJson<RunDetail>(runUrl(runId), {}, signal);
  let events: StoredEvent[] = [];
  for (;;) {
    const page = await getJson<{ events: StoredEvent[] }>(
      `${runUrl(detail.run.runId)}/events`,
      { afterSeq: events.at(-1)?.seq ?? 0, limit: 10_000 },
      signal,
    );
    events = events.concat(page.events);
    if (page.events.length < 10_000) break;
  }
  const model = buildRunModel(events);
  const names = detail.pipeline?.nodes.map((node) => node.name) ?? [
    ...new Set(model.invocations.map((item) => item.stage)),
  ];
  const states = stepStates(names, model, detail.run.status);
  const steps = new Map<string, { state: StepState; totalMs: number; count: number }>();
  for (const [name, state] of states) {
    const mine = model.invocations.filter((item) => item.stage === name && item.depth === 0);
    steps.set(name, {
      state,
      count: mine.length,
      totalMs: mine.reduce((sum, item) => sum + ((item.end ?? item.start) - item.start), 0),
    });
  }
  return { detail, steps };
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
  const names = [...new Set([...left.steps.keys(), ...right.steps.keys()])];
  return (
    <main class="page">
      <h1>Compare runs</h1>
      <table class="compare">
        <thead>
          <tr>
            <th>Step</th>
            {[left, right].map((side) => (
              <th key={side.detail.run.runId} colSpan={2}>
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
          {names.map((name) => {
            const one = left.steps.get(name);
            const two = right.steps.get(name);
            const changedState = one?.state !== two?.state;
            const delta = (two?.totalMs ?? 0) - (one?.totalMs ?? 0);
            const slower =
              Math.abs(delta) > Math.max(1, 0.25 * Math.max(one?.totalMs ?? 0, two?.totalMs ?? 0));
            return (
              <tr
                key={name}
                class={changedState ? "changed" : ""}
                data-step={name}
                data-changed={changedState ? "state" : slower ? "duration" : ""}
              >
                <td class="mono">{name}</td>
                <td>{one ? <Status status={one.state} /> : "—"}</td>
                <td class="number">{one && one.count > 0 ? duration(one.totalMs) : ""}</td>
                <td>{two ? <Status status={two.state} /> : "—"}</td>
                <td class="number">{two && two.count > 0 ? duration(two.totalMs) : ""}</td>
                <td class={`number ${slower ? (delta > 0 ? "worse" : "better") : ""}`}>
                  {one?.count && two?.count ? `${delta >= 0 ? "+" : "−"}${duration(Math.abs(delta))}` : ""}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </main>
  );
}
