import { basename, dirname } from "node:path";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { NodeSDK } from "@opentelemetry/sdk-node";

/**
 * Starts the OpenTelemetry NodeSDK with instrumentation for grpc, http, pg,
 * ioredis, kafkajs and pino. It reads the standard OTEL_* variables. Without
 * OTEL_EXPORTER_OTLP_ENDPOINT nothing is exported, but the SDK still runs so
 * trace context keeps propagating across gRPC, HTTP and Kafka.
 */
export function startTelemetry(env: Record<string, string | undefined> = process.env): NodeSDK | undefined {
  if (env["OTEL_SDK_DISABLED"] === "true") return undefined;
  const exporting = Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
  const sdk = new NodeSDK({
    serviceName: env["OTEL_SERVICE_NAME"] ?? serviceNameFromEntry(process.argv[1]),
    ...(exporting
      ? {
          traceExporter: new OTLPTraceExporter(),
          metricReaders: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 15_000 })],
        }
      : { spanProcessors: [discardingSpanProcessor] }),
    instrumentations: [
      new GrpcInstrumentation(),
      new HttpInstrumentation(httpInstrumentationConfig(env)),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
      new KafkaJsInstrumentation(),
      new PinoInstrumentation(),
    ],
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

/** services/catalog/main.ts → xtream-catalog. */
function serviceNameFromEntry(entry: string | undefined): string {
  if (!entry) return "xtream";
  const folder = basename(dirname(entry));
  return `xtream-${folder === "." ? basename(entry) : folder}`;
}

/**
 * Hot HTTP paths (the playback edge's HLS segments) can opt out of a span per
 * request: OTEL_NODE_HTTP_IGNORE_INCOMING_PREFIXES=/v/ (comma-separated path
 * prefixes). Unset, every incoming request is traced as before.
 */
function httpInstrumentationConfig(env: Record<string, string | undefined>) {
  const prefixes = (env["OTEL_NODE_HTTP_IGNORE_INCOMING_PREFIXES"] ?? "").split(",").map((prefix) => prefix.trim()).filter(Boolean);
  if (prefixes.length === 0) return {};
  return { ignoreIncomingRequestHook: (request: { url?: string }) => prefixes.some((prefix) => request.url?.startsWith(prefix) ?? false) };
}
