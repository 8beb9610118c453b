import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { getJson, type RunsPage as Page, type PipelineSummary } from "../api.js";
import { Status } from "../components/Status.js";
import { dateTime, duration, shortId } from "../format.js";
import { href, navigate, type Route } from "../router.js";
import { useData } from "../use-data.js";

const PAGE_SIZE = 50;
const STATUSES = ["running", "success", "failed", "timeout", "cancelled", "client_closed", "suspended"];

/** The runs table: filters, search, server-side paging; it refreshes every second. */
export function RunsPage({ route }: { route: Route }) {
  const status = route.params.get("status") ?? "";
  const pipe = route.params.get("pipe") ?? "";
  const q = route.params.get("q") ?? "";
  const page = Math.max(1, Number(route.params.get("page")) || 1);
  const [search, setSearch] = useState(q);
  const [cursor, setCursor] = useState(0);
  const [marked, setMarked] = useState<string[]>([]);
  const searchBox = useRef<HTMLInputElement>(null);
  // From the address bar, not this render: a debounced search and a filter change can cross.
  const set = (change: Record<string, string | number | undefined>, replace = false) => {
    const now = new URLSearchParams(location.search);
    const keep = Object.fromEntries(
      ["status", "pipe", "q", "page"].map((key) => [key, now.get(key) ?? undefined]),
    );
    navigate(href("/runs", { ...keep, ...change }), { replace });
  };
  const runs = useData(
    (signal) =>
      getJson<Page>(
        "/api/runs",
        { status, pipe, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE },
        signal,
      ),
    `${status}|${pipe}|${q}|${page}`,
    1000,
  );
  const pipelines = useData(
    (signal) => getJson<{ pipelines: PipelineSummary[] }>("/api/pipelines", {}, signal),
    "pipelines",
  );
  const pipeNames = [...new Set((pipelines.data?.pipelines ?? []).map((record) => record.name))].sort();
  const total = runs.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const rows = runs.data?.runs ?? [];

  useEffect(() => setSearch(q), [q]);
  useEffect(() => {
    if (search === q) return;
    const timer = setTimeout(() => set({ q: search, page: undefined }, true), 250);
    return () => clearTimeout(timer);
  }, [search]);
  // A layout effect: the listener sees this render's cursor and rows before the next key is
  // handled (a plain effect runs after paint, and a fast second key used the old cursor).
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) {
        if (event.key === "Escape") (event.target as HTMLElement).blur();
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/") searchBox.current?.focus();
      else if (event.key === "j" || event.key === "ArrowDown")
        setCursor((at) => Math.min(rows.length - 1, at + 1));
      else if (event.key === "k" || event.key === "ArrowUp") setCursor((at) => Math.max(0, at - 1));
      else if (event.key === "Enter" && rows[cursor])
        navigate(`/runs/${encodeURIComponent(rows[cursor].runId)}`);
      else if (event.key === "x" && rows[cursor]) toggle(rows[cursor].runId);
      else if (event.key === "]" && page < pages) set({ page: page + 1 });
      else if (event.key === "[" && page > 1) set({ page: page - 1 });
      else return;
      event.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
  const toggle = (runId: string) =>
    setMarked((current) =>
      current.includes(runId) ? current.filter((id) => id !== runId) : [...current, runId].slice(-2),
    );

  return (
    <main class="page">
      <header class="page-header">
        <h1>Runs</h1>
        <span class="muted" data-total={total}>
          {total.toLocaleString()} runs
        </span>
        {marked.length === 2 ? (
          <a class="button" href={href("/compare", { a: marked[0], b: marked[1] })}>
            Compare the 2 marked runs
          </a>
        ) : (
          <span class="muted hint">mark two runs (x) to compare them</span>
        )}
      </header>
      <div class="toolbar">
        <label>
          Status{" "}
          <select
            value={status}
            onChange={(event) => set({ status: event.currentTarget.value, page: undefined })}
            data-filter="status"
          >
            <option value="">any status</option>
            {STATUSES.map((name) => (
              <option key={name} value={name}>
                {name.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pipe{" "}
          <select
            value={pipe}
            onChange={(event) => set({ pipe: event.currentTarget.value, page: undefined })}
            data-filter="pipe"
          >
            <option value="">any pipe</option>
            {pipeNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <input
          ref={searchBox}
          type="search"
          placeholder="Search run id prefix or pipe name  ( / )"
          value={search}
          onInput={(event) => setSearch(event.currentTarget.value)}
          aria-label="Search runs"
          data-filter="search"
        />
      </div>
      {runs.error ? (
        <p class="error-box" role="alert">
          {runs.error}
        </p>
      ) : null}
      <table class="runs" aria-label="Runs">
        <thead>
          <tr>
            <th aria-label="marked" />
            <th>Status</th>
            <th>Run</th>
            <th>Pipe</th>
            <th>Started</th>
            <th class="number">Duration</th>
            <th>Failed step</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((run, index) => (
            <tr
              key={run.runId}
              class={index === cursor ? "cursor" : ""}
              data-run={run.runId}
              onMouseEnter={() => setCursor(index)}
            >
              <td>
                <input
                  type="checkbox"
                  checked={marked.includes(run.runId)}
                  onChange={() => toggle(run.runId)}
                  aria-label={`Mark ${run.runId} to compare`}
                />
              </td>
              <td>
                <Status status={run.status} />
              </td>
              <td class="mono">
                <a href={`/runs/${encodeURIComponent(run.runId)}`} title={run.runId}>
                  {shortId(run.runId)}
                </a>
              </td>
              <td>
                <a href={`/pipes/${encodeURIComponent(run.pipeName)}`}>{run.pipeName}</a>
              </td>
              <td>{dateTime(run.startedAt)}</td>
              <td class="number">{run.status === "running" ? "running…" : duration(run.durationMs)}</td>
              <td class="mono">{run.failedStep ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data && rows.length === 0 ? (
        <p class="empty">No runs match. Clear the filters, or run a pipe with a store.</p>
      ) : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={page <= 1} onClick={() => set({ page: page - 1 })}>
          ← Newer
        </button>
        <span data-page={page}>
          Page {page} of {pages}
        </span>
        <button type="button" disabled={page >= pages} onClick={() => set({ page: page + 1 })}>
          Older →
        </button>
        <span class="muted hint">j/k move · Enter opens · [ ] pages · / search</span>
      </nav>
    </main>
  );
}
