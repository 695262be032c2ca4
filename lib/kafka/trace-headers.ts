import { context, propagation, type Context } from "@opentelemetry/api";
import type { IHeaders } from "kafkajs";

/** Writes the active trace context (W3C traceparent) into Kafka headers. */
export function injectTraceHeaders(headers: IHeaders = {}): IHeaders {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return { ...headers, ...carrier };
}

/** Reads a trace context out of Kafka headers, to continue the producer's trace. */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  const carrier: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) carrier[key] = first.toString();
  }
  return propagation.extract(context.active(), carrier);
}
