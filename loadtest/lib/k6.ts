// Runs a k6 script of loadtest/k6 and reads its summary back (req_<kind>
// trends, err_<kind>_<code> counters, thresholds) into the scenario's rows.
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { DATA_DIR, ROOT, latencyScale, log, runTool, tool } from "./run-tools.ts";
import type { Row } from "./report.ts";

interface Metric {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

/** What a k6 run left. */
export interface K6Run {
  code: number;
  durationSeconds: number;
  metrics: Record<string, Metric>;
  rows: Row[];
  /** Thresholds k6 reports as broken, as "metric: expression". */
  broken: string[];
}

/** Runs loadtest/k6/<script>.js with the given environment (k6 runs it in its own JS runtime). */
export async function runK6(script: string, env: Record<string, string>, kinds: string[]): Promise<K6Run> {
  const k6 = await tool("k6");
  await mkdir(DATA_DIR, { recursive: true });
  const summaryPath = join(DATA_DIR, `k6-${script}-${process.pid}.json`);
  await rm(summaryPath, { force: true });
  const args = ["run", "--quiet", "--no-usage-report", "--address", "", join(ROOT, "loadtest", "k6", `${script}.js`)];
  for (const [name, value] of Object.entries({ ...env, SUMMARY_PATH: summaryPath, LATENCY_SCALE: String(latencyScale()) })) args.push("-e", `${name}=${value}`);
  log(`k6 ${script} (${env["VUS"]} VUs, ${env["DURATION"]})`);
  // k6's own progress goes to stderr with ours; the summary comes back as a file.
  const { code } = await runTool(k6, args, { stdoutToStderr: true, env: { ...process.env, K6_NO_COLOR: "true" } });
  let summary: { metrics: Record<string, Metric>; state: { testRunDurationMs: number } };
  try {
    summary = JSON.parse(await readFile(summaryPath, "utf8")) as typeof summary;
  } catch {
    throw new Error(`k6 ${script} exited with ${code} and wrote no summary`);
  } finally {
    await rm(summaryPath, { force: true });
  }
  const durationSeconds = summary.state.testRunDurationMs / 1000;
  const rows = kinds.map((kind) => {
    const trend = summary.metrics[`req_${kind}`]?.values ?? {};
    const errors: Record<string, number> = {};
    for (const [name, metric] of Object.entries(summary.metrics)) {
      if (name.startsWith(`err_${kind}_`) && (metric.values["count"] ?? 0) > 0) errors[name.slice(`err_${kind}_`.length)] = metric.values["count"]!;
    }
    const requests = trend["count"] ?? 0;
    return { name: kind, requests, rps: requests / durationSeconds, p50Ms: trend["med"] ?? NaN, p95Ms: trend["p(95)"] ?? NaN, p99Ms: trend["p(99)"] ?? NaN, errors };
  });
  const broken: string[] = [];
  for (const [name, metric] of Object.entries(summary.metrics)) {
    for (const [expression, result] of Object.entries(metric.thresholds ?? {})) if (!result.ok) broken.push(`${name}: ${expression} (k6 threshold)`);
  }
  // 99 is k6's "thresholds crossed"; anything else non-zero is a failed run.
  if (code !== 0 && code !== 99) broken.push(`k6 exited with ${code}`);
  return { code, durationSeconds, metrics: summary.metrics, rows, broken };
}
