import { getJson, type PipelineSummary } from "../api.js";
import { dateTime } from "../format.js";
import { href } from "../router.js";
import { useData } from "../use-data.js";

/** Every pipe the store has seen. */
export function PipesPage() {
  const pipelines = useData(
    (signal) => getJson<{ pipelines: PipelineSummary[] }>("/api/pipelines", {}, signal),
    "pipelines",
  );
  const byName = new Map<string, PipelineSummary[]>();
  for (const record of pipelines.data?.pipelines ?? [])
    byName.set(record.name, [...(byName.get(record.name) ?? []), record]);
  return (
    <main class="page">
      <h1>Pipelines</h1>
      {pipelines.error ? (
        <p class="error-box" role="alert">
          {pipelines.error}
        </p>
      ) : null}
      <table class="runs">
        <thead>
          <tr>
            <th>Pipe</th>
            <th class="number">Runs</th>
            <th>Versions</th>
            <th>First seen</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {[...byName]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, records]) => (
              <tr key={name}>
                <td>
                  <a href={`/pipes/${encodeURIComponent(name)}`}>{name}</a>
                </td>
                <td class="number">
                  {records.reduce((sum, record) => sum + record.runCount, 0).toLocaleString()}
                </td>
                <td>{records.length}</td>
                <td>{dateTime(Math.min(...records.map((record) => record.firstSeen)))}</td>
                <td>
                  <a href={href("/runs", { pipe: name })}>runs →</a>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </main>
  );
}
