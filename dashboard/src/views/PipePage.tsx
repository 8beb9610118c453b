import { useMemo } from "preact/hooks";
import uPlot from "uplot";
import {
  getJson,
  type PipeDescription,
  type PipelineRecord,
  type PipelineSummary,
  type Stats,
  type StepStats,
} from "../api.js";
import { Chart } from "../components/Chart.js";
import { PipelineGraph } from "../components/Graph.js";
import { duration } from "../format.js";
import { href } from "../router.js";
import { useData } from "../use-data.js";

const STATUS_COLOURS: Record<string, string> = {
  success: "#2f9e44",
  failed: "#e03131",
  running: "#1c7ed6",
  suspended: "#f08c00",
  timeout: "#c2255c",
  cancelled: "#868e96",
  client_closed: "#868e96",
};

/** A pipe: its graph, runs over time, success rate and p50/p95 per step. */
export function PipePage({ name }: { name: string }) {
  const stats = useData(
    (signal) => getJson<Stats>("/api/stats", { pipe: name }, signal),
    `stats|${name}`,
    5000,
  );
  const pipelines = useData(
    (signal) => getJson<{ pipelines: PipelineSummary[] }>("/api/pipelines", {}, signal),
    "pipelines",
  );
  // The graph of the version that ran last.
  const hash = (pipelines.data?.pipelines ?? [])
    .filter((record) => record.name === name)
    .sort((a, b) => (b.lastRunAt ?? b.firstSeen) - (a.lastRunAt ?? a.firstSeen))[0]?.hash;
  const latest = useData(
    async (signal) =>
      hash === undefined
        ? undefined
        : (await getJson<{ pipeline: PipelineRecord }>(`/api/pipelines/${hash}`, {}, signal)).pipeline,
    `pipeline|${hash ?? ""}`,
  ).data;
  const data = stats.data;
  const overTime = useMemo(() => (data ? runsOverTime(data) : undefined), [data]);
  const steps = useMemo(() => data?.pipes.find((pipe) => pipe.pipe === name)?.steps ?? [], [data, name]);
  const perStep = useMemo(() => (steps.length > 0 ? stepChart(steps) : undefined), [steps]);
  return (
    <main class="page">
      <header class="page-header">
        <h1>{name}</h1>
        <a href={href("/runs", { pipe: name })}>its runs →</a>
      </header>
      {stats.error ? (
        <p class="error-box" role="alert">
          {stats.error}
        </p>
      ) : null}
      {data ? (
        <div class="tiles">
          <div class="tile">
            <span class="tile-value" data-success-rate="">
              {data.successRate === null ? "—" : `${(data.successRate * 100).toFixed(1)} %`}
            </span>
            <span class="muted">success rate</span>
          </div>
          <div class="tile">
            <span class="tile-value">{data.total.toLocaleString()}</span>
            <span class="muted">runs</span>
          </div>
          {Object.entries(data.byStatus).map(([status, count]) => (
            <div class="tile" key={status}>
              <span class="tile-value">{count.toLocaleString()}</span>
              <span class="muted">{status.replace("_", " ")}</span>
            </div>
          ))}
        </div>
      ) : null}
      <div class="run-grid">
        <section class="panel">
          <h2>Graph</h2>
          <div class="graph-scroll">
            {latest ? (
              <PipelineGraph pipeline={latest.describe as unknown as PipeDescription} />
            ) : (
              <p class="muted">Not stored.</p>
            )}
          </div>
        </section>
        <section class="panel">
          <h2>
            Runs over time (duration, by status
            {data && data.sampled < data.total ? `; the newest ${data.sampled}` : ""})
          </h2>
          {overTime ? <Chart label="Runs over time" options={overTime.options} data={overTime.data} /> : null}
          <h2>Per step: p50 / p95 of its time per run</h2>
          {perStep ? (
            <Chart label="p50 and p95 per step" options={perStep.options} data={perStep.data} />
          ) : (
            <p class="muted">No step timings yet.</p>
          )}
          {data ? (
            <table class="compact">
              <thead>
                <tr>
                  <th>Step</th>
                  <th class="number">invocations</th>
                  <th class="number">p50</th>
                  <th class="number">p95</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((step) => (
                  <tr key={step.step}>
                    <td class="mono">{step.step}</td>
                    <td class="number">{step.invocations.toLocaleString()}</td>
                    <td class="number">{duration(step.p50Ms)}</td>
                    <td class="number">{duration(step.p95Ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </section>
      </div>
    </main>
  );
}

// Canvas has no CSS variables: read the theme's colours when a chart is made.
const cssVariable = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
const textColour = () => cssVariable("--muted", "#656d76");
const lineColour = () => cssVariable("--line", "#d8dee4");

function runsOverTime(stats: Stats): { options: Omit<uPlot.Options, "width">; data: uPlot.AlignedData } {
  const statuses = [...new Set(stats.recent.map((run) => run.status))];
  const times = stats.recent.map((run) => run.startedAt / 1000);
  const series = statuses.map((status) =>
    stats.recent.map((run) => (run.status === status ? (run.durationMs ?? null) : null)),
  );
  return {
    data: [times, ...series] as uPlot.AlignedData,
    options: {
      height: 200,
      scales: { x: { time: true } },
      axes: [
        { stroke: textColour(), grid: { stroke: lineColour() } },
        {
          stroke: textColour(),
          grid: { stroke: lineColour() },
          size: 72,
          values: (_plot, values) => values.map((value) => duration(value)),
        },
      ],
      series: [
        {},
        ...statuses.map((status) => ({
          label: status,
          stroke: STATUS_COLOURS[status] ?? "#888",
          paths: () => null,
          points: { show: true, size: 6, fill: STATUS_COLOURS[status] ?? "#888" },
        })),
      ],
    },
  };
}

function stepChart(all: readonly StepStats[]): {
  options: Omit<uPlot.Options, "width">;
  data: uPlot.AlignedData;
} {
  const steps = all.slice(0, 20);
  return {
    data: [
      steps.map((_step, index) => index),
      steps.map((step) => step.p50Ms),
      steps.map((step) => step.p95Ms),
    ],
    options: {
      height: 200,
      scales: { x: { time: false, range: [-0.5, steps.length - 0.5] } },
      axes: [
        {
          stroke: textColour(),
          grid: { stroke: lineColour() },
          splits: () => steps.map((_step, index) => index),
          rotate: -25,
          size: 70,
          values: (_plot, values) => values.map((value) => steps[value]?.step ?? ""),
        },
        {
          stroke: textColour(),
          grid: { stroke: lineColour() },
          size: 72,
          values: (_plot, values) => values.map((value) => duration(value)),
        },
      ],
      series: [
        {},
        {
          label: "p50",
          stroke: "#1c7ed6",
          fill: "#1c7ed699",
          paths: uPlot.paths.bars!({ size: [0.35], align: -1 }),
          points: { show: false },
        },
        {
          label: "p95",
          stroke: "#e8590c",
          fill: "#e8590c99",
          paths: uPlot.paths.bars!({ size: [0.35], align: 1 }),
          points: { show: false },
        },
      ],
    },
  };
}
