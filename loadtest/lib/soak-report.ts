// How the soak reports: a row per sample (per process: RSS MiB, heap MiB,
// open fds, event-loop delay p99 ms), then per process and figure the value
// after warm-up, at the end, the slope per hour and the verdict, then one JSON line.
import type { ProcessSample } from "./soak-sampler.ts";
import type { Trend } from "./soak-trend.ts";

/** The figures the soak follows, their column titles and JSON names. */
export const FIGURES = [
  { key: "rssMiB", title: "rss MiB", json: "rss_mib" },
  { key: "heapMiB", title: "heap MiB", json: "heap_mib" },
  { key: "fds", title: "fds", json: "fds" },
  { key: "eldP99Ms", title: "eld p99 ms", json: "eld_p99_ms" },
] as const;
export type FigureKey = (typeof FIGURES)[number]["key"];

const CELL = [6, 6, 4, 6];
const fmt = (value: number | null, digits: number) => (value === null || !Number.isFinite(value) ? "-" : value.toFixed(digits));
const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;

/** The two header lines of the sample table. */
export function sampleHeader(names: string[]): string {
  const width = CELL.reduce((a, b) => a + b, 0) + CELL.length - 1;
  const first = ["time ".padStart(6), ...names.map((name) => name.slice(0, width).padEnd(width))].join("  ");
  const second = ["".padStart(6), ...names.map(() => ["rss", "heap", "fds", "eld"].map((title, i) => title.padStart(CELL[i]!)).join(" "))].join("  ");
  return `${first}\n${second}`;
}

/** One row of the sample table; "gone" for a process that is not running. */
export function sampleRow(seconds: number, names: string[], samples: Map<string, ProcessSample>): string {
  const cells = names.map((name) => {
    const s = samples.get(name);
    if (!s?.alive) return "gone".padStart(CELL.reduce((a, b) => a + b, 0) + CELL.length - 1);
    return [fmt(s.rssMiB, 1), fmt(s.heapMiB, 1), fmt(s.fds, 0), fmt(s.eldP99Ms, 1)].map((cell, i) => cell.padStart(CELL[i]!)).join(" ");
  });
  return [clock(seconds).padStart(6), ...cells].join("  ");
}

/** The closing table: per process and figure, after warm-up, end, slope/h, bound/h, verdict. */
export function trendTable(trends: Record<string, Record<FigureKey, Trend>>): string {
  const header = ["process", "figure", "after warm-up", "end", "slope/h", "± (1 s.e.)", "bound/h", "verdict"];
  const rows: string[][] = [];
  for (const [name, figures] of Object.entries(trends)) {
    for (const figure of FIGURES) {
      const t = figures[figure.key];
      rows.push([name, figure.title, fmt(t.afterWarmup, 1), fmt(t.end, 1), fmt(t.slopePerHour, 1), fmt(t.stderrPerHour, 1), String(t.boundPerHour), t.slopePerHour === null ? "too few samples" : t.growing ? "GROWING" : "ok"]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column < 2 || column === 7 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

const round = (value: number | null, digits = 2) => (value === null || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits);

/** The trends as the JSON line carries them (snake_case, rounded). */
export function trendsJson(trends: Record<string, Record<FigureKey, Trend>>) {
  return Object.fromEntries(
    Object.entries(trends).map(([name, figures]) => [
      name,
      Object.fromEntries(
        FIGURES.map((figure) => {
          const t = figures[figure.key];
          return [figure.json, { after_warmup: round(t.afterWarmup), end: round(t.end), slope_per_h: round(t.slopePerHour), stderr_per_h: round(t.stderrPerHour), bound_per_h: t.boundPerHour, samples: t.samples, growing: t.growing }];
        }),
      ),
    ]),
  );
}
