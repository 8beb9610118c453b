import type { RunStatus } from "./api.js";

/** Each status reads without colour: an icon and a word. */
export const STATUS_LOOK: Record<RunStatus | "ended" | "skipped" | "never", { icon: string; label: string }> =
  {
    running: { icon: "◔", label: "running" },
    success: { icon: "✓", label: "success" },
    failed: { icon: "✕", label: "failed" },
    timeout: { icon: "◷", label: "timeout" },
    cancelled: { icon: "⊘", label: "cancelled" },
    client_closed: { icon: "↩", label: "client closed" },
    suspended: { icon: "‖", label: "suspended" },
    ended: { icon: "✓", label: "ended" },
    skipped: { icon: "↷", label: "skipped" },
    never: { icon: "○", label: "never reached" },
  };

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms === 0) return "0 ms";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, {
  year: "numeric",
  month: "short",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

export function dateTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? "—" : timeFormat.format(new Date(ms));
}

/** A run id as a person reads it: whole up to 20 characters (ids differ from their first one). */
export function shortId(runId: string): string {
  return runId.length > 20 ? `${runId.slice(0, 12)}…` : runId;
}

/** JSON for showing (always as text): bounded, indented. */
export function preview(value: unknown, max = 160): string {
  if (value === undefined) return "";
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function pretty(value: unknown): string {
  if (value === undefined) return "(no payload)";
  return JSON.stringify(value, null, 2) ?? String(value);
}
