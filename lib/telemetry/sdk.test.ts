import { trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { injectTraceHeaders, extractTraceContext } from "../kafka/trace-headers.ts";
import { enabledInstrumentations, startTelemetry } from "./sdk.ts";

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

describe("OTEL_NODE_DISABLED_INSTRUMENTATIONS", () => {
  const names = (env: Record<string, string>) => enabledInstrumentations(env).map((instrumentation) => instrumentation.instrumentationName);

  it("leaves out the instrumentations it names, and only those", () => {
    const all = names({});
    expect(all).toContain("@opentelemetry/instrumentation-http");
    const without = names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: "http, pg" });
    expect(without).not.toContain("@opentelemetry/instrumentation-http");
    expect(without).not.toContain("@opentelemetry/instrumentation-pg");
    expect(without).toEqual(all.filter((name) => !name.endsWith("-http") && !name.endsWith("-pg")));
  });
});

describe("runtime metrics (runtime-node)", () => {
  const names = (env: Record<string, string>, runtimeMetrics: boolean) => enabledInstrumentations(env, { runtimeMetrics }).map((instrumentation) => instrumentation.instrumentationName);

  it("are on only when metrics are exported, and OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime-node turns them off", () => {
    expect(names({}, true)).toContain("@opentelemetry/instrumentation-runtime-node");
    expect(names({}, false)).not.toContain("@opentelemetry/instrumentation-runtime-node");
    expect(names({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: "runtime-node" }, true)).not.toContain("@opentelemetry/instrumentation-runtime-node");
  });
});
