// Shared by the k6 scripts: per-kind latency trends and error counters that the
// Node wrapper (loadtest/lib/k6.ts) turns into the scenario's table, and the
// summary written as JSON to $SUMMARY_PATH instead of k6's own text summary.
import { Counter, Trend } from "k6/metrics";

/** HTTP statuses counted one by one; anything else is "other", no answer at all is "network". */
const CODES = ["network", "400", "401", "403", "404", "408", "416", "429", "500", "502", "503", "504", "other"];

/** Builds a trend per kind ("req_<kind>", ms) and an error counter per kind and code. Call in the init context. */
export function kindMetrics(kinds) {
  const metrics = {};
  for (const kind of kinds) {
    const errors = {};
    for (const code of CODES) errors[code] = new Counter(`err_${kind}_${code}`);
    metrics[kind] = { trend: new Trend(`req_${kind}`, true), errors };
  }
  return metrics;
}

/** Records one response; returns true when it is a success (2xx/304). */
export function record(metrics, kind, res, extraTrend) {
  const m = metrics[kind];
  m.trend.add(res.timings.duration);
  if (extraTrend) extraTrend.add(res.timings.duration);
  const ok = (res.status >= 200 && res.status < 300) || res.status === 304;
  if (!ok) {
    const code = res.status === 0 ? "network" : String(res.status);
    (m.errors[code] ?? m.errors.other).add(1);
  }
  return ok;
}

/** Trend stats the wrapper reads. */
export const summaryTrendStats = ["med", "p(95)", "p(99)", "max", "count"];

/** Writes the machine-readable summary where the wrapper reads it. */
export function writeSummary(data) {
  return { [__ENV.SUMMARY_PATH]: JSON.stringify(data) };
}
