import { trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { injectTraceHeaders, extractTraceContext } from "../kafka/trace-headers.ts";
import { startTelemetry } from "./sdk.ts";

const sdk = startTelemetry({ OTEL_SERVICE_NAME: "xtream-test" });
afterAll(() => sdk?.shutdown());

describe("telemetry without an exporter endpoint", () => {
  it("still starts, so trace context propagates", () => {
    expect(sdk).toBeDefined();
    const tracer = trace.getTracer("test");
    tracer.startActiveSpan("parent", (span) => {
      const headers = injectTraceHeaders();
      expect(String(headers["traceparent"])).toMatch(new RegExp(`^00-${span.spanContext().traceId}-[0-9a-f]{16}-01$`));
      // A consumer continues the same trace from the Kafka headers.
      const continued = trace.getSpanContext(extractTraceContext(headers));
      expect(continued?.traceId).toBe(span.spanContext().traceId);
      span.end();
    });
  });

  it("does nothing at all when OTEL_SDK_DISABLED=true", () => {
    expect(startTelemetry({ OTEL_SDK_DISABLED: "true" })).toBeUndefined();
  });
});
