import type { IncomingMessage, ServerResponse } from "node:http";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("xtream-gateway");

/**
 * Gives an API request a span named after the RPC, `gateway /<service>/<method>`,
 * so the trace of an upload reads "gateway /xtream.upload.v1.UploadService/StartUpload"
 * instead of "POST". HTTP/1.1 requests (Connect, gRPC-Web) already have the HTTP
 * instrumentation's server span: it is renamed. h2c requests (gRPC clients) go
 * through Node's http2 server, which no instrumentation covers: they get a server
 * span here, continuing the caller's traceparent.
 */
export function traceApiRequest(request: IncomingMessage, response: ServerResponse, handle: () => void): void {
  const path = (request.url ?? "").split("?")[0] ?? "";
  const name = `gateway ${path}`;
  const active = trace.getActiveSpan();
  if (active) {
    active.updateName(name);
    handle();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { "http.request.method": request.method ?? "", "url.path": path, "network.protocol.version": "2" } }, parent);
  response.once("close", () => {
    span.setAttribute("http.response.status_code", response.statusCode);
    span.end();
  });
  context.with(trace.setSpan(parent, span), handle);
}
