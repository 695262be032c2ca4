import { metrics, type Meter } from "@opentelemetry/api";

/** The meter a service records its own metrics with (exported when OTLP is configured). */
export function serviceMeter(name: string): Meter {
  return metrics.getMeter(`xtream.${name}`);
}
