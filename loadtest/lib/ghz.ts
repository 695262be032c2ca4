// Runs ghz (gRPC over h2c, methods found by server reflection) and reads its JSON report.
import { log, runTool, tool } from "./run-tools.ts";
import type { Row } from "./report.ts";

/** One ghz run: a method at a rate, for a time. */
export interface GhzCall {
  name: string;
  /** Fully qualified, e.g. xtream.catalog.v1.VideoService.GetVideo. */
  call: string;
  /** Request as JSON (proto field names); may use ghz's Go templates ({{.RequestNumber}}, sprig). */
  data: string;
  /** Target requests per second (0: as fast as the workers go). */
  rps: number;
  concurrency: number;
  durationSeconds: number;
  /** host:port */
  target: string;
  metadata?: Record<string, string>;
}

interface GhzReport {
  count: number;
  rps: number;
  total: number;
  latencyDistribution: { percentage: number; latency: number }[] | null;
  statusCodeDistribution: Record<string, number> | null;
}

/** What one ghz run measured. */
export interface GhzResult {
  row: Row;
  /** Calls that were cut off in flight when the time ran out (not failures). */
  cut: number;
}

/** Runs ghz once for a call and turns the report into a row. */
export async function runGhz(call: GhzCall): Promise<GhzResult> {
  const ghz = await tool("ghz");
  const args = ["--insecure", "--call", call.call, "-d", call.data, "-c", String(call.concurrency), "-z", `${call.durationSeconds}s`, "--connections", "1", "--format", "json"];
  if (call.rps > 0) args.push("--rps", String(call.rps));
  if (call.metadata) args.push("-m", JSON.stringify(call.metadata));
  args.push(call.target);
  const { code, stdout } = await runTool(ghz, args);
  if (!stdout.trim()) throw new Error(`ghz ${call.call} exited with ${code} and no report`);
  const report = JSON.parse(stdout) as GhzReport;
  const percentile = (p: number) => (report.latencyDistribution?.find((entry) => entry.percentage === p)?.latency ?? NaN) / 1e6;
  const errors: Record<string, number> = {};
  let cut = 0;
  for (const [status, count] of Object.entries(report.statusCodeDistribution ?? {})) {
    if (status === "OK") continue;
    // ghz cuts the calls in flight when -z ends (at most one per worker): Unavailable/Canceled, not answers.
    if ((status === "Unavailable" || status === "Canceled") && cut + count <= call.concurrency) {
      cut += count;
      continue;
    }
    errors[status] = count;
  }
  log(`ghz ${call.name}: ${Math.round(report.rps)} req/s, p99 ${percentile(99).toFixed(1)} ms`);
  return { row: { name: call.name, requests: report.count - cut, rps: report.rps, p50Ms: percentile(50), p95Ms: percentile(95), p99Ms: percentile(99), errors }, cut };
}

/** A ghz template choosing from a list by request number (a fixed, repeatable cycle). */
export function cycle(values: string[]): string {
  // Go template raw strings (backquotes), so the data stays valid JSON before templating.
  return `{{ index (list ${values.map((v) => `\`${v}\``).join(" ")}) (mod .RequestNumber ${values.length}) }}`;
}
