import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("xtream-grpc-client");

/**
 * A client span per outgoing call, `grpc.<service>/<method>` (the name the
 * grpc-js instrumentation gives the server's span), with the W3C trace
 * context in the request headers. connect-node's gRPC transport speaks
 * HTTP/2 through node:http2, which no instrumentation covers: without this
 * the gateway's and the services' calls to each other would start new traces.
 * For streaming responses the span ends when the response headers arrive.
 */
export const traceOutgoingCalls: Interceptor = (next) => async (request) => {
  const span = tracer.startSpan(`grpc.${request.service.typeName}/${request.method.name}`, {
    kind: SpanKind.CLIENT,
    attributes: { "rpc.system": "grpc", "rpc.service": request.service.typeName, "rpc.method": request.method.name },
  });
  const active = trace.setSpan(context.active(), span);
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  for (const [name, value] of Object.entries(carrier)) request.header.set(name, value);
  try {
    const response = await context.with(active, () => next(request));
    span.setAttribute("rpc.grpc.status_code", 0);
    return response;
  } catch (err) {
    const code = err instanceof ConnectError ? err.code : 2;
    span.setAttribute("rpc.grpc.status_code", code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : "call failed" });
    throw err;
  } finally {
    span.end();
  }
};
