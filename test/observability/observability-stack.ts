// What the observability tests need running: VictoriaMetrics, Jaeger and the
// collector (as `./dev.sh up --observability` starts them) and the platform's
// services exporting to the collector. Whatever was not running is started and
// stopped again at the end; services that ran without exporting are restarted
// with the exporter on, and restarted as they were afterwards.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { portOpen } from "../../lib/testing/index.ts";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
export const ROOT = join(import.meta.dirname, "..", "..");
const STACK = join(ROOT, "scripts", "stack");

export const ports = {
  otlpGrpc: Number(process.env.XTREAM_OTELCOL_GRPC_PORT ?? 4317),
  otlpHttp: Number(process.env.XTREAM_OTELCOL_HTTP_PORT ?? 4318),
  jaegerQuery: Number(process.env.XTREAM_JAEGER_QUERY_PORT ?? 16686),
  vm: Number(process.env.XTREAM_VM_PORT ?? 8428),
  gateway: Number(process.env.XTREAM_GATEWAY_PORT ?? 8080),
};
export const jaegerUrl = `http://127.0.0.1:${ports.jaegerQuery}`;
export const vmUrl = `http://127.0.0.1:${ports.vm}`;
export const gatewayUrl = `http://127.0.0.1:${ports.gateway}`;

async function script(name: string, command: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { stdout } = await run("bash", [join(STACK, name), command], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  return stdout;
}

async function healthy(name: string): Promise<boolean> {
  return script(name, "status").then(
    () => true,
    () => false,
  );
}

/** The running observability stack, and how to put things back as they were. */
export interface ObservabilityStack {
  restore(): Promise<void>;
}

export async function ensureObservabilityStack(): Promise<ObservabilityStack> {
  const endpoint = `http://127.0.0.1:${ports.otlpGrpc}`;
  const started: string[] = [];
  // Order matters: the collector sends metrics to VictoriaMetrics only if it runs when the collector starts.
  const collectorUp = await healthy("otelcol.sh");
  for (const name of ["victoriametrics.sh", "jaeger.sh", "otelcol.sh"]) {
    if (await healthy(name)) continue;
    await script(name, "start");
    started.push(name);
  }
  if (collectorUp && started.includes("victoriametrics.sh")) {
    // A collector started before VictoriaMetrics logs metrics instead of storing them.
    await script("otelcol.sh", "stop");
    await script("otelcol.sh", "start");
  }
  const exporting = (await readFile(join(ROOT, ".stack", "services-otlp"), "utf8").catch(() => "")).trim() === endpoint;
  const servicesUp = await portOpen(ports.gateway);
  let servicesState: "left" | "started" | "restarted" = "left";
  if (!servicesUp || !exporting) {
    if (servicesUp) await script("services.sh", "stop");
    try {
      // Metrics every 2 s, so the metric names show up within the test's patience.
      await script("services.sh", "start", { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: "2000" });
    } catch (err) {
      // Leave nothing behind for the test files after this one (they would find a half-started platform).
      await script("services.sh", "stop").catch(() => undefined);
      for (const name of started.reverse()) await script(name, "stop").catch(() => undefined);
      throw err;
    }
    servicesState = servicesUp ? "restarted" : "started";
  }
  return {
    async restore() {
      if (servicesState !== "left") await script("services.sh", "stop");
      if (servicesState === "restarted") {
        const env = { ...process.env };
        delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
        await script("services.sh", "start", env);
      }
      for (const name of started.reverse()) await script(name, "stop");
    },
  };
}


/** Polls until `check` returns a value (not undefined), or fails after `ms` with the last error. */
export async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
