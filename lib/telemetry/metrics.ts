import { metrics, type Meter } from "@opentelemetry/api";

/** The meter a service records its own metrics with (exported when OTLP is configured). */
export function serviceMeter(name: string): Meter {
  return metrics.getMeter(`xtream.${name}`);
}

/** True when this process exports metrics (lib/telemetry/sdk.ts); costly gauges check it first. */
export function metricsExported(env: Record<string, string | undefined> = process.env): boolean {
  if (env["OTEL_SDK_DISABLED"] === "true") return false;
  return Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]);
}
