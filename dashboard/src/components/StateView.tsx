import { getJson, runUrl, type StoredEvent } from "../api.js";
import { dateTime, pretty } from "../format.js";
import { useData } from "../use-data.js";

interface StateAnswer {
  checkpoint: {
    runId: string;
    seq: number;
    writtenAt: number;
    reason: string;
    quiescent: boolean;
    codec: string;
  } | null;
  state: unknown;
  decoded: boolean;
}

/** The state at the run's last checkpoint; the state it started with when none was stored. */
export function StateView({
  runId,
  status,
  events,
}: {
  runId: string;
  status: string;
  events: readonly StoredEvent[];
}) {
  const answer = useData(
    (signal) => getJson<StateAnswer>(`${runUrl(runId)}/state`, {}, signal),
    `state|${runId}|${status}`,
  );
  const start = events.find((event) => event.type === "start" && event.scope.length === 0);
  if (answer.error)
    return (
      <p class="error-box" role="alert">
        {answer.error}
      </p>
    );
  if (answer.data === undefined) return <p class="muted">Loading the state…</p>;
  const { checkpoint, state, decoded } = answer.data;
  if (checkpoint === null) {
    return (
      <section data-state-source="start">
        <p class="muted">
          No checkpoint is stored for this run: the state it started with (its START event).
        </p>
        <pre class="payload">{start ? pretty(start.payload) : "(no START event stored)"}</pre>
      </section>
    );
  }
  return (
    <section data-state-source="checkpoint">
      <p class="muted">
        At the last checkpoint ({checkpoint.reason}, event #{checkpoint.seq}, {dateTime(checkpoint.writtenAt)}
        {checkpoint.quiescent ? "" : ", taken while steps were running"}
        {checkpoint.runId === runId ? "" : `, written by run ${checkpoint.runId}`}
        {decoded ? "" : `, stored by the codec "${checkpoint.codec}" as shown`}):
      </p>
      <pre class="payload" data-checkpoint-state="">
        {pretty(state)}
      </pre>
    </section>
  );
}
