import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampMs } from "@bufbuild/protobuf/wkt";

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

/** A protobuf Duration in seconds. */
export function durationSeconds(duration: Duration | undefined): number {
  return duration ? Number(duration.seconds) + duration.nanos / 1e9 : 0;
}

const COMPACT_UNITS: [number, string][] = [
  [1e3, "K"],
  [1e6, "M"],
  [1e9, "B"],
];

/**
 * "1 view", "999 views", "12.3K views", "3.4M views". Written out rather than
 * with Intl.NumberFormat's compact notation: its first use loads locale data
 * for about 100 ms of main-thread time, right when a watch page opened from a
 * link is about to start its player (measured with `bench web`).
 */
export function formatViews(count: bigint | number): string {
  const n = Math.max(0, Number(count));
  if (n === 1) return "1 view";
  let unit = -1;
  while (unit + 1 < COMPACT_UNITS.length && n >= COMPACT_UNITS[unit + 1]![0]) unit++;
  if (unit < 0) return `${n} views`;
  let value = Math.round((n / COMPACT_UNITS[unit]![0]) * 10) / 10;
  // 999,960 rounds to "1000K": say "1M".
  if (value >= 1000 && unit + 1 < COMPACT_UNITS.length) {
    unit++;
    value = Math.round((n / COMPACT_UNITS[unit]![0]) * 10) / 10;
  }
  return `${value}${COMPACT_UNITS[unit]![1]} views`;
}

const AGE_UNITS: [string, number][] = [
  ["year", 31_536_000],
  ["month", 2_592_000],
  ["week", 604_800],
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
];
// What Intl.RelativeTimeFormat("en", { numeric: "auto" }) says for -1 of a unit.
const LAST_ONE: Record<string, string> = { year: "last year", month: "last month", week: "last week", day: "yesterday" };

/**
 * "just now", "5 minutes ago", "yesterday", "3 days ago", "last year". Written
 * out (English, like the rest of the app) rather than with
 * Intl.RelativeTimeFormat, whose first use costs tens of milliseconds of
 * locale loading on a cold page (see formatViews).
 */
export function formatAge(time: Timestamp | undefined, now = Date.now()): string {
  if (!time) return "";
  const seconds = Math.round((now - timestampMs(time)) / 1000);
  if (seconds < 45) return "just now";
  for (const [unit, size] of AGE_UNITS) {
    if (seconds < size && unit !== "minute") continue;
    const count = Math.max(1, Math.floor(seconds / size));
    if (count === 1) return LAST_ONE[unit] ?? `1 ${unit} ago`;
    return `${count} ${unit}s ago`;
  }
  return "1 minute ago";
}

/** 1536 → "1.5 KB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
