/**
 * Time for the command line: "now" (overridable for tests), ages like `2h` and `30d`, relative
 * times ("3 min ago") and durations ("1.2 s").
 */
import { UsageError } from "./errors.js";

/** The environment variable that fixes "now" (ms since the epoch or an ISO date): for tests and snapshots. */
export const NOW_VARIABLE = "JUSTPIPE_NOW";

/**
 * The current time in ms since the epoch: `JUSTPIPE_NOW` when set (tests use it so relative times
 * are stable), else the clock.
 */
export function now(): number {
  const fixed = process.env[NOW_VARIABLE];
  if (fixed === undefined || fixed === "") return Date.now();
  const parsed = /^\d+$/.test(fixed) ? Number(fixed) : Date.parse(fixed);
  if (Number.isNaN(parsed))
    throw new UsageError(`${NOW_VARIABLE}="${fixed}" is neither ms since the epoch nor a date`);
  return parsed;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses an age (`90s`, `15m`, `2h`, `1d`, `4w`) into milliseconds, or `undefined` when it is not one.
 */
export function parseAge(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d|w)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

/**
 * Turns `--since` / `--older-than` text into a point in time: an age before now (`2h`, `1d`) or a
 * date (`2026-12-01`, an ISO timestamp). Anything else is a usage error naming the option.
 */
export function parseTimePoint(option: string, text: string, reference: number): number {
  const age = parseAge(text);
  if (age !== undefined) return reference - age;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const date = Date.parse(text);
    if (!Number.isNaN(date)) return date;
  }
  throw new UsageError(`${option} expects an age like 2h, 1d, 30d or a date like 2026-12-01, got "${text}"`);
}

/** "12 ms", "1.4 s", "3 min 5 s", "2 h 10 min"; "-" when unknown. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms === 0) return "0 ms";
  if (ms < 0.01) return "<0.01 ms";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** "just now", "42 s ago", "3 min ago", "5 h ago", "2 days ago", then the date. */
export function formatRelative(at: number | null | undefined, reference: number): string {
  if (at === null || at === undefined) return "-";
  const elapsed = reference - at;
  if (elapsed < 0) return formatTimestamp(at);
  if (elapsed < 5_000) return "just now";
  if (elapsed < 60_000) return `${Math.floor(elapsed / 1000)} s ago`;
  if (elapsed < 3_600_000) return `${Math.floor(elapsed / 60_000)} min ago`;
  if (elapsed < 86_400_000) return `${Math.floor(elapsed / 3_600_000)} h ago`;
  const days = Math.floor(elapsed / 86_400_000);
  if (days < 30) return days === 1 ? "1 day ago" : `${days} days ago`;
  return formatTimestamp(at).slice(0, 10);
}

/** An exact UTC time, `2026-12-07 22:38:45.120Z`-style (ISO 8601). */
export function formatTimestamp(at: number | null | undefined): string {
  if (at === null || at === undefined) return "-";
  return new Date(at).toISOString();
}
