import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../../../lib/logger.ts";
import type { EdgeStats } from "../domain/edge-stats.ts";
import { objectKey, parseMediaPath, type MediaPath } from "../domain/media-path.ts";
import type { TieredCache, CacheEntry, LoadHints } from "../domain/tiered-cache.ts";
import { LookupsBusyError, type AccessDecision, type VideoAccess, type VideoState } from "../domain/video-access.ts";
import { compressedVariant, etagMatches, parseRange, prepare, type Prepared, type Variant } from "./edge-responses.ts";

export interface EdgeHandlerOptions {
  cache: TieredCache;
  access: VideoAccess;
  stats: EdgeStats;
  logger: Logger;
  /** Extra facts for GET /metrics.json. */
  describe?: () => Record<string, unknown>;
  /** Who may read GET /metrics.json, by peer address (default: loopback only, see isLoopback). */
  metricsAllowed?: (peer: string | undefined) => boolean;
}

/**
 * True for a loopback peer. The edge is public; its counters (request and
 * cache figures, what `describe` adds) are for operators, who read them on
 * the machine or through `kubectl port-forward` (which arrives on loopback),
 * and for the load scenarios and benches, which run on loopback.
 */
export function isLoopback(peer: string | undefined): boolean {
  if (!peer) return false;
  const address = peer.startsWith("::ffff:") ? peer.slice(7) : peer;
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The request handler plus how many requests wait on a lookup (prefetch yields to them). */
export interface EdgeHandler {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly pending: number;
}

const END = ["Content-Length", 0, "Cache-Control", "no-store", "Access-Control-Allow-Origin", "*"];
const PREFLIGHT = [
  "Access-Control-Allow-Origin",
  "*",
  "Access-Control-Allow-Methods",
  "GET, HEAD, OPTIONS",
  "Access-Control-Allow-Headers",
  "Range, If-None-Match, If-Range",
  "Access-Control-Max-Age",
  "86400",
  "Content-Length",
  0,
];

/** A validated media path and its object key, remembered per request URL. */
interface Route {
  path: MediaPath;
  key: string;
}

/**
 * How many request URLs keep their parsed route. Players ask for the same
 * playlists and segments over and over; parsing a path (two regular
 * expressions, a few strings) cost more than the rest of a memory hit. The
 * memo is dropped whole when full, so a flood of distinct URLs costs a parse
 * each and bounded memory, as without it.
 */
const ROUTE_MEMO_MAX = 16_384;

/** Request headers the edge looks at, read from rawHeaders without building req.headers. */
interface Conditionals {
  ifNoneMatch: string | undefined;
  range: string | undefined;
  ifRange: string | undefined;
  acceptEncoding: string | undefined;
}

function readConditionals(raw: string[]): Conditionals {
  const found: Conditionals = { ifNoneMatch: undefined, range: undefined, ifRange: undefined, acceptEncoding: undefined };
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] as string;
    switch (name.length) {
      case 5:
        if (name.toLowerCase() === "range") found.range = raw[index + 1];
        break;
      case 8:
        if (name.toLowerCase() === "if-range") found.ifRange = raw[index + 1];
        break;
      case 13:
        if (name.toLowerCase() === "if-none-match") found.ifNoneMatch = raw[index + 1];
        break;
      case 15:
        if (name.toLowerCase() === "accept-encoding") found.acceptEncoding = raw[index + 1];
        break;
    }
  }
  return found;
}

/**
 * The HLS edge over node:http: validates the path, decides access, and
 * answers from the cache tiers with HTTP caching done right (strong ETags and
 * 304, ranges and 416, HEAD, compressed playlists). A hit on a hot object is
 * synchronous: a Map lookup and one write of ready-made headers and bytes.
 */
export function createEdgeHandler(options: EdgeHandlerOptions): EdgeHandler {
  const { cache, access, stats, logger } = options;
  let pending = 0;

  const plain = (res: ServerResponse, status: number) => {
    res.writeHead(status, END);
    res.end();
  };

  const send = (req: IncomingMessage, res: ServerResponse, entry: CacheEntry, path: MediaPath, decision: AccessDecision) => {
    const prepared = prepare(entry, path.kind, path.file);
    const isPublic = decision === "public";
    const head = req.method === "HEAD";
    const conditionals = readConditionals(req.rawHeaders);
    let chosen: Variant = prepared.identity;
    if (prepared.compressible && conditionals.range === undefined) {
      chosen = compressedVariant(prepared, conditionals.acceptEncoding) ?? chosen;
    }
    if (conditionals.ifNoneMatch !== undefined && etagMatches(conditionals.ifNoneMatch, chosen.etag)) {
      res.writeHead(304, isPublic ? chosen.publicNotModified : chosen.privateNotModified);
      res.end();
    } else if (conditionals.range !== undefined && (conditionals.ifRange === undefined || conditionals.ifRange === chosen.etag)) {
      sendRange(res, chosen, prepared, conditionals.range, isPublic, head);
    } else {
      res.writeHead(200, isPublic ? chosen.publicHeaders : chosen.privateHeaders);
      if (head) res.end();
      else if (chosen.text !== undefined) res.end(chosen.text, "latin1");
      else res.end(chosen.body);
    }
    if (path.kind === "segment" && !prepared.prefetched) {
      prepared.prefetched = true;
      const folder = objectKey(path.videoId, `${path.rung ?? ""}/`);
      cache.prefetchAfter(`${folder}index.m3u8`, path.file, folder, hintsFor(path, undefined));
    }
  };

  const routes = new Map<string, Route>();
  const routeOf = (url: string): Route | undefined => {
    const known = routes.get(url);
    if (known !== undefined) return known;
    const query = url.indexOf("?");
    const path = parseMediaPath(query < 0 ? url : url.slice(0, query));
    if (!path) return undefined;
    const route = { path, key: objectKey(path.videoId, path.file) };
    if (routes.size >= ROUTE_MEMO_MAX) routes.clear();
    routes.set(url, route);
    return route;
  };

  const serveEntry = (req: IncomingMessage, res: ServerResponse, route: Route, state: VideoState) => {
    const { path, key } = route;
    const decision = access.decide(state, path.videoId, path.token);
    if (decision === "forbidden") return plain(res, 403);
    if (decision === "gone") return plain(res, 404);
    const hot = cache.peek(key);
    if (hot) {
      stats.memoryHits++;
      return send(req, res, hot, path, decision);
    }
    pending++;
    cache
      .get(key, hintsFor(path, state))
      .then(
        (entry) => {
          if (!entry) plain(res, 404);
          else send(req, res, entry, path, decision);
        },
        (err: unknown) => {
          logger.warn({ err, key }, "origin read failed");
          res.writeHead(503, ["Retry-After", "1", ...END]);
          res.end();
        },
      )
      .finally(() => pending--);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    const method = req.method;
    if (method !== "GET" && method !== "HEAD") {
      if (method === "OPTIONS") {
        res.writeHead(204, PREFLIGHT);
        res.end();
        return;
      }
      res.writeHead(405, ["Allow", "GET, HEAD, OPTIONS", ...END]);
      res.end();
      return;
    }
    const url = req.url ?? "/";
    const route = routeOf(url);
    if (!route) return serveOther(req, res, url);
    const state = access.cached(route.path.videoId);
    if (state) return serveEntry(req, res, route, state);
    pending++;
    access
      .resolve(route.path.videoId)
      .then((resolved) => serveEntry(req, res, route, resolved))
      .catch((err: unknown) => {
        // Busy: too many unknown ids at once (see LookupsBusyError); nothing broke, so no error log.
        if (!(err instanceof LookupsBusyError)) logger.error({ err }, "edge request failed");
        if (!res.headersSent) {
          res.writeHead(503, ["Retry-After", "1", ...END]);
          res.end();
        }
      })
      .finally(() => pending--);
  };

  const metricsAllowed = options.metricsAllowed ?? isLoopback;
  const serveOther = (req: IncomingMessage, res: ServerResponse, url: string) => {
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
    if (pathname === "/metrics.json" && metricsAllowed(req.socket.remoteAddress)) {
      const body = JSON.stringify({ ...stats, ...options.describe?.() });
      res.writeHead(200, ["Content-Type", "application/json", "Cache-Control", "no-store"]);
      res.end(body);
      return;
    }
    if (pathname === "/healthz") {
      res.writeHead(200, ["Content-Type", "text/plain", "Cache-Control", "no-store"]);
      res.end("ok");
      return;
    }
    plain(res, 404);
  };

  return {
    handle,
    get pending() {
      return pending;
    },
  };
}

function sendRange(res: ServerResponse, chosen: Variant, prepared: Prepared, header: string, isPublic: boolean, head: boolean) {
  const length = chosen.body.length;
  const range = parseRange(header, length);
  if (range === undefined) {
    res.writeHead(200, isPublic ? chosen.publicHeaders : chosen.privateHeaders);
    res.end(head ? undefined : chosen.body);
    return;
  }
  if (range === "unsatisfiable") {
    res.writeHead(416, ["Content-Range", `bytes */${length}`, ...END]);
    res.end();
    return;
  }
  const part = chosen.body.subarray(range.start, range.end + 1);
  res.writeHead(206, [
    "Content-Type",
    prepared.contentType,
    "Content-Length",
    part.length,
    "Content-Range",
    `bytes ${range.start}-${range.end}/${length}`,
    "Cache-Control",
    isPublic ? prepared.publicCacheControl : prepared.privateCacheControl,
    "ETag",
    chosen.etag,
    "Accept-Ranges",
    "bytes",
    "Access-Control-Allow-Origin",
    "*",
    "Access-Control-Expose-Headers",
    "Content-Length, Content-Range, ETag",
  ]);
  res.end(head ? undefined : part);
}

/** How to classify an object read from the origin: playlists are final once complete. */
function hintsFor(path: MediaPath, state: VideoState | undefined): LoadHints {
  return {
    videoId: path.videoId,
    isFinal(body) {
      if (path.kind === "master") return state?.complete ?? false;
      if (path.kind === "media-playlist") return body.includes("#EXT-X-ENDLIST");
      return true;
    },
  };
}
