import type { IncomingMessage, ServerResponse } from "node:http";
import type { BodyBudget } from "./body-budget.ts";

/** Runs the call now, or once its body's bytes are reserved. */
export type LargeBodyGate = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Makes calls to paths that accept large bodies (upload chunks: `paths` maps a
 * service's path prefix to its largest body) reserve their size in `budget`
 * before the Connect path reads them: the Content-Length, or the path's limit
 * when there is none. The reservation ends when the response closes. A caller
 * the budget turns away gets HTTP 503 with Retry-After, which Connect, gRPC-Web
 * and gRPC clients all read as UNAVAILABLE (retry), and nothing of its body is read.
 */
export function createLargeBodyGate(budget: BodyBudget, paths: ReadonlyMap<string, number>, smallBytes: number): LargeBodyGate {
  const limitFor = (url: string) => {
    for (const [prefix, limit] of paths) if (url.startsWith(prefix)) return limit;
    return undefined;
  };
  return (req, res, next) => {
    const limit = req.method === "POST" ? limitFor(req.url ?? "") : undefined;
    if (limit === undefined) return next();
    // No Content-Length (a chunked body): count it at the path's limit.
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    const bytes = Number.isFinite(declared) ? Math.min(declared, limit) : limit;
    if (bytes <= smallBytes) return next();
    const gone = new AbortController();
    res.once("close", () => gone.abort());
    void budget.reserve(bytes, gone.signal).then((release) => {
      if (release) {
        res.once("close", release);
        if (res.destroyed) release();
        else next();
        return;
      }
      if (res.destroyed || res.headersSent) return;
      res.writeHead(503, { "content-type": "application/json", "retry-after": "1", connection: "close" });
      res.end(JSON.stringify({ code: "unavailable", message: "the gateway is busy with other uploads; retry shortly" }));
    });
  };
}
