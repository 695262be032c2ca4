/**
 * Spans the services make themselves (on top of the gRPC, HTTP, pg, ioredis
 * and kafkajs instrumentation), with the attribute names a person searches
 * Jaeger by: `video.id` on every span of an upload's trace.
 */
import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from "@opentelemetry/api";

/** The span attribute that carries the video id (Jaeger: Tags `video.id=<id>`). */
export const ATTR_VIDEO_ID = "video.id";

const tracer = trace.getTracer("xtream");

/**
 * Runs fn inside a new span named `name` (child of the active span, or of
 * `options.parent`), records a thrown error on it and ends it.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options: { parent?: Context; links?: Link[] } = {},
): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer.startActiveSpan(name, { attributes, ...(options.links ? { links: options.links } : {}) }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The active trace context as W3C headers (`traceparent`, `tracestate`), to store or send. */
export function traceCarrier(from: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(from, carrier);
  return carrier;
}

/** A context continuing the trace in `carrier` (as written by traceCarrier). */
export function contextFromCarrier(carrier: Record<string, string> | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, carrier ?? {});
}

/**
 * Runs fn in a span that belongs to a longer-lived trace, the one stored in
 * `stored` when that trace began (an upload session remembers StartUpload's
 * context; see observability/README.md). When the request already is in that
 * trace (the client sent the same traceparent) the span is simply a child of
 * the request; otherwise it is a child of the stored context, with a link to
 * the request's span so one can jump from the request to the upload and back.
 */
export async function inStoredTrace<T>(name: string, stored: Record<string, string>, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  const request = trace.getSpanContext(context.active());
  const origin = trace.getSpanContext(contextFromCarrier(stored));
  if (!origin || !trace.isSpanContextValid(origin) || (request && request.traceId === origin.traceId)) return inSpan(name, attributes, fn);
  const links: Link[] = request && trace.isSpanContextValid(request) ? [{ context: request, attributes: { "xtream.link": "request" } }] : [];
  return inSpan(name, attributes, fn, { parent: trace.setSpanContext(context.active(), origin), links });
}

/** Sets attributes on the active span (the gRPC server span inside a handler), if there is one. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Consecutive phases of one piece of work as sibling child spans of the
 * active span: `next("probe")` ends the running phase and starts the next,
 * `end(err)` ends the last one (marked failed when err is given).
 */
export function phaseSpans(prefix: string, attributes: Attributes): { next(phase: string, extra?: Attributes): void; end(error?: unknown): void } {
  const parent = context.active();
  let current: Span | undefined;
  const finish = (error?: unknown) => {
    if (!current) return;
    if (error !== undefined) markFailed(current, error);
    current.end();
    current = undefined;
  };
  return {
    next(phase, extra = {}) {
      finish();
      current = tracer.startSpan(`${prefix}.${phase}`, { attributes: { ...attributes, ...extra } }, parent);
    },
    end: finish,
  };
}

function markFailed(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : typeof error === "string" ? error : "failed";
  span.recordException(error instanceof Error ? error : message);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
