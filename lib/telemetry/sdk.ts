import { basename, dirname } from "node:path";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import type { Instrumentation } from "@opentelemetry/instrumentation";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { RuntimeNodeInstrumentation } from "@opentelemetry/instrumentation-runtime-node";
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";

/**
 * Starts the OpenTelemetry NodeSDK with instrumentation for grpc, http, pg,
 * ioredis, kafkajs and pino, and runtime metrics (V8 heap, event-loop delay)
 * when metrics are exported (less OTEL_NODE_DISABLED_INSTRUMENTATIONS). It
 * reads the standard OTEL_* variables. Without OTEL_EXPORTER_OTLP_ENDPOINT
 * nothing is exported, but the SDK still runs so trace context keeps
 * propagating across gRPC, HTTP and Kafka.
 */
export function startTelemetry(env: Record<string, string | undefined> = process.env): NodeSDK | undefined {
  if (env["OTEL_SDK_DISABLED"] === "true") return undefined;
  const exporting = Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
  const sdk = new NodeSDK({
    serviceName: env["OTEL_SERVICE_NAME"] ?? serviceNameFromEntry(process.argv[1]),
    ...(exporting
      ? {
          traceExporter: new OTLPTraceExporter(),
          metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: exportIntervalMs(env) })],
        }
      : { spanProcessors: [discardingSpanProcessor] }),
    instrumentations: enabledInstrumentations(env, { runtimeMetrics: exporting }),
  });
  sdk.start();
  const stop = () => void sdk.shutdown().catch(() => undefined);
  process.once("beforeExit", stop);
  return sdk;
}

/**
 * Spans are made (so context propagates and logs carry trace ids) but dropped.
 * The SDK installs no tracer provider at all without a span processor.
 */
const discardingSpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/** Health probes are not worth a trace. */
function isProbe(url: string | undefined): boolean {
  return url === "/healthz" || url === "/readyz" || url === "/livez";
}

/** OTEL_METRIC_EXPORT_INTERVAL (ms, the standard variable), default 15 s; tests set it shorter. */
function exportIntervalMs(env: Record<string, string | undefined>): number {
  const value = Number(env["OTEL_METRIC_EXPORT_INTERVAL"]);
  return Number.isFinite(value) && value >= 500 ? value : 15_000;
}

/** services/catalog/main.ts → xtream-catalog. */
function serviceNameFromEntry(entry: string | undefined): string {
  if (!entry) return "xtream";
  const folder = basename(dirname(entry));
  return `xtream-${folder === "." ? basename(entry) : folder}`;
}

/**
 * The instrumentations, less those named in OTEL_NODE_DISABLED_INSTRUMENTATIONS
 * (comma-separated short names, as @opentelemetry/auto-instrumentations-node
 * reads it: grpc, http, pg, ioredis, kafkajs, pino, runtime-node).
 *
 * `runtime-node` (only with `runtimeMetrics`, i.e. when metrics are exported:
 * without a reader nothing would read it) reports each process's V8 heap per
 * space, GC pauses, event-loop utilisation and event-loop delay percentiles
 * (perf_hooks' monitorEventLoopDelay, sampled every 20 ms by a libuv timer in
 * C++, reset at each export); `./dev.sh soak` reads them from VictoriaMetrics.
 *
 * The playback edge sets `http`: the incoming-request patch binds every
 * request and response to the active context even for requests it is told
 * to ignore, and that alone cost the edge about a third of its throughput on
 * small objects (bench/edge, same run, with and without). The edge counts
 * its own requests, hits and origin reads (services/playback/README.md).
 */
export function enabledInstrumentations(env: Record<string, string | undefined>, options: { runtimeMetrics?: boolean } = {}): Instrumentation[] {
  const disabled = new Set((env["OTEL_NODE_DISABLED_INSTRUMENTATIONS"] ?? "").split(",").map((name) => name.trim()).filter(Boolean));
  const all: [string, () => Instrumentation][] = [
    ["grpc", () => new GrpcInstrumentation()],
    // Outgoing calls (MinIO, JWKS) only inside a trace: readiness checks poll MinIO every few seconds.
    ["http", () => new HttpInstrumentation({ requireParentforOutgoingSpans: true, ignoreIncomingRequestHook: (request) => isProbe(request.url) })],
    // Only inside a trace: the outbox relays' polls would otherwise be a new trace every second.
    ["pg", () => new PgInstrumentation({ requireParentSpan: true })],
    ["ioredis", () => new IORedisInstrumentation()],
    ["kafkajs", () => new KafkaJsInstrumentation()],
    ["pino", () => new PinoInstrumentation()],
    ...(options.runtimeMetrics ? [["runtime-node", () => new RuntimeNodeInstrumentation({ monitoringPrecision: 20 })] as [string, () => Instrumentation]] : []),
  ];
  return all.filter(([name]) => !disabled.has(name)).map(([, create]) => create());
}
