// How every scenario reports: one table (requests/s, p50/p95/p99, errors by
// code), the thresholds that failed, then one JSON line, last.

/** One kind of request in the table. */
export interface Row {
  name: string;
  requests: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Failed requests by code (gRPC code name, HTTP status, or "network"). */
  errors: Record<string, number>;
}

/** What a scenario found. */
export interface ScenarioResult {
  scenario: string;
  rows: Row[];
  /** Broken thresholds, each a sentence; empty when healthy. */
  failures: string[];
  /** Scenario-specific figures for the JSON line (snake_case names). */
  figures: Record<string, number | string | boolean | Record<string, number>>;
  /** Extra lines printed under the table (tiers, uploads). */
  notes?: string[];
}

const round = (value: number, digits = 2) => (Number.isFinite(value) ? Math.round(value * 10 ** digits) / 10 ** digits : null);

/** Prints the table and the JSON line; returns the exit code (1 when a threshold broke). */
export function printReport(result: ScenarioResult): number {
  const header = ["request", "count", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"];
  const lines = result.rows.map((row) => [
    row.name,
    String(row.requests),
    String(round(row.rps, 1)),
    String(round(row.p50Ms)),
    String(round(row.p95Ms)),
    String(round(row.p99Ms)),
    Object.entries(row.errors)
      .map(([code, count]) => `${code}:${count}`)
      .join(" ") || "-",
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => (column === 0 || column === 6 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join("  ");
  console.log(`\n== load ${result.scenario} ==`);
  console.log(format(header));
  console.log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const line of lines) console.log(format(line));
  for (const note of result.notes ?? []) console.log(note);
  const ok = result.failures.length === 0;
  console.log(ok ? "thresholds: all held" : `thresholds broken:\n${result.failures.map((f) => `  - ${f}`).join("\n")}`);
  const errors: Record<string, number> = {};
  for (const row of result.rows) for (const [code, count] of Object.entries(row.errors)) errors[code] = (errors[code] ?? 0) + count;
  const total = result.rows.reduce((sum, row) => sum + row.requests, 0);
  console.log(
    JSON.stringify({
      scenario: result.scenario,
      ok,
      requests: total,
      rps: round(result.rows.reduce((sum, row) => sum + row.rps, 0), 1),
      errors,
      ...Object.fromEntries(Object.entries(result.figures).map(([key, value]) => [key, typeof value === "number" ? round(value, 3) : value])),
      ...(ok ? {} : { failures: result.failures }),
    }),
  );
  return ok ? 0 : 1;
}
