import type { IncomingMessage, ServerResponse } from "node:http";
import { context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { ATTR_VIDEO_ID } from "../../../lib/telemetry/spans.ts";
import { parseMediaPath } from "../domain/media-path.ts";

const tracer = trace.getTracer("xtream-playback-edge");

/**
 * Traces one edge request in every 1/ratio (PLAYBACK_TRACE_SAMPLE_RATIO,
 * default 0.01) with one cheap span, `edge GET`: path (without the token),
 * video id, file kind, status. The other requests run the bare
 * handler, untouched: the HTTP instrumentation is off at the edge because
 * binding a context to every request was a large share of a small object's
 * cost (lib/telemetry/sdk.ts), and a counter is all an unsampled request pays.
 * Sampled spans are roots (players send no traceparent); the cache misses
 * they cause show their MinIO reads as children.
 */
export function sampleEdgeRequests(handle: (req: IncomingMessage, res: ServerResponse) => void, ratio: number) {
  if (!(ratio > 0)) return handle;
  const every = Math.max(1, Math.round(1 / Math.min(ratio, 1)));
  let count = 0;
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (++count < every) return handle(req, res);
    count = 0;
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = parseMediaPath(query < 0 ? url : url.slice(0, query));
    const span = tracer.startSpan(
      `edge ${req.method ?? "GET"}`,
      {
        kind: SpanKind.SERVER,
        attributes: path
          ? { [ATTR_VIDEO_ID]: path.videoId, "xtream.edge.file": path.file, "xtream.edge.kind": path.kind, "xtream.edge.sample_every": every }
          : { "url.path": "(not media)", "xtream.edge.sample_every": every },
      },
      ROOT_CONTEXT,
    );
    res.once("finish", () => {
      // The edge writes its headers as a raw array (writeHead), so only the status is readable here.
      span.setAttribute("http.response.status_code", res.statusCode);
      span.end();
    });
    context.with(trace.setSpan(ROOT_CONTEXT, span), () => handle(req, res));
  };
}
