import { ROOT_CONTEXT, trace, type Span } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { startTelemetry } from "./sdk.ts";
import { inStoredTrace, traceCarrier } from "./spans.ts";

const sdk = startTelemetry({ OTEL_SERVICE_NAME: "xtream-test" });
afterAll(() => sdk?.shutdown());
const tracer = trace.getTracer("test");

/** What the SDK's spans expose beyond the API (parent and links), read for the assertions. */
type SdkSpan = Span & { parentSpanContext?: { spanId: string }; links: { context: { traceId: string } }[] };

describe("inStoredTrace: a later request joins the trace an upload began", () => {
  const origin = tracer.startSpan("StartUpload", {}, ROOT_CONTEXT);
  const stored = traceCarrier(trace.setSpan(ROOT_CONTEXT, origin));

  it("parents to the stored span and links the request when the request is another trace", async () => {
    const inner = await tracer.startActiveSpan("FinishUpload (a new trace)", {}, ROOT_CONTEXT, async (request) => {
      expect(request.spanContext().traceId).not.toBe(origin.spanContext().traceId);
      const span = await inStoredTrace("upload.finish", stored, {}, async (s) => s as SdkSpan);
      return { span, request };
    });
    expect(inner.span.spanContext().traceId).toBe(origin.spanContext().traceId);
    expect(inner.span.parentSpanContext?.spanId).toBe(origin.spanContext().spanId);
    expect(inner.span.links.map((link) => link.context.traceId)).toEqual([inner.request.spanContext().traceId]);
  });

  it("is a plain child of the request when the request already is in that trace", async () => {
    const inner = await tracer.startActiveSpan("FinishUpload (same trace)", {}, trace.setSpan(ROOT_CONTEXT, origin), async (request) => {
      const span = await inStoredTrace("upload.finish", stored, {}, async (s) => s as SdkSpan);
      return { span, request };
    });
    expect(inner.span.spanContext().traceId).toBe(origin.spanContext().traceId);
    expect(inner.span.parentSpanContext?.spanId).toBe(inner.request.spanContext().spanId);
    expect(inner.span.links).toEqual([]);
  });
});
