import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";
import { contentTypeOf, type MediaKind } from "../domain/media-path.ts";
import type { CacheEntry } from "../domain/tiered-cache.ts";

/** Response header lists (flat name/value arrays, as http.ServerResponse.writeHead takes them). */
type HeaderList = (string | number)[];

/** One encoding of an object: its bytes and ready-made headers. */
export interface Variant {
  body: Buffer;
  /**
   * Small bodies also as a latin1 string (the same bytes): node:http writes a
   * string body together with the headers in one write, where a Buffer costs
   * a second chunk and a writev. Playlists are requested far more often than
   * any one segment, so this is where the per-request overhead shows.
   */
  text: string | undefined;
  etag: string;
  /** 200 headers for public and for token-protected (private) responses. */
  publicHeaders: HeaderList;
  privateHeaders: HeaderList;
  /** 304 headers. */
  publicNotModified: HeaderList;
  privateNotModified: HeaderList;
}

/** What the edge derives once per cached object, so a hit does no work. */
export interface Prepared {
  identity: Variant;
  /** Playlists only, built on first request that accepts them. */
  gzip?: Variant;
  br?: Variant;
  compressible: boolean;
  contentType: string;
  publicCacheControl: string;
  privateCacheControl: string;
  /** A segment whose successors were already queued for prefetching. */
  prefetched: boolean;
}

/** Bodies up to this size are kept as a string too (see Variant.text). */
export const SINGLE_WRITE_MAX_BYTES = 16 * 1024;

// Content-Length is CORS-safelisted; the headers a player reads beyond it
// (Content-Range, ETag) are exposed on 206 answers, where they matter.
const CORS: HeaderList = ["Access-Control-Allow-Origin", "*"];

/** Cache-Control for a kind of file: segments immutable, playlists short (shorter while still growing). */
export function cacheControlFor(kind: MediaKind, final: boolean, scope: "public" | "private"): string {
  switch (kind) {
    case "segment":
    case "init":
      return `${scope}, max-age=31536000, immutable`;
    case "master":
    case "media-playlist":
      return final ? `${scope}, max-age=30` : `${scope}, max-age=1`;
    case "image":
    case "vtt":
      return `${scope}, max-age=3600`;
  }
}

/**
 * The same string as one flat sequence of bytes. Strings built by
 * concatenation (template literals included) are ropes in V8; node:http
 * validates every header value with a regular expression and copies it into
 * the header block on every response, and a rope costs an extra walk each
 * time. Header values are built once per object, so they are flattened once.
 */
function flat(value: string): string {
  return Buffer.from(value, "latin1").toString("latin1");
}

function variant(body: Buffer, etag: string, prepared: Omit<Prepared, "identity" | "prefetched">, encoding: string | undefined): Variant {
  etag = flat(etag);
  const extra: HeaderList = [];
  if (prepared.compressible) extra.push("Vary", "Accept-Encoding");
  if (encoding) extra.push("Content-Encoding", encoding);
  const common = (cacheControl: string): HeaderList => ["Cache-Control", cacheControl, "ETag", etag, ...extra, ...CORS];
  // Ranges of a playlist are of no use to a player; every header costs a
  // validation and a copy on each response, and playlists are the edge's most
  // frequent answer, so only media files advertise range support.
  const ranges: HeaderList = prepared.compressible ? [] : ["Accept-Ranges", "bytes"];
  const ok = (cacheControl: string): HeaderList => ["Content-Type", prepared.contentType, "Content-Length", body.length, ...ranges, ...common(cacheControl)];
  return {
    body,
    text: body.length <= SINGLE_WRITE_MAX_BYTES ? body.toString("latin1") : undefined,
    etag,
    publicHeaders: ok(prepared.publicCacheControl),
    privateHeaders: ok(prepared.privateCacheControl),
    publicNotModified: common(prepared.publicCacheControl),
    privateNotModified: common(prepared.privateCacheControl),
  };
}

/** Builds (once) the prepared responses of a cache entry. */
export function prepare(entry: CacheEntry, kind: MediaKind, file: string): Prepared {
  const existing = entry.prepared as Prepared | undefined;
  if (existing) return existing;
  const { object } = entry;
  const base = {
    compressible: kind === "master" || kind === "media-playlist",
    contentType: contentTypeOf(kind, file),
    publicCacheControl: flat(cacheControlFor(kind, object.final, "public")),
    privateCacheControl: flat(cacheControlFor(kind, object.final, "private")),
  };
  const prepared: Prepared = { ...base, identity: variant(object.body, object.etag, base, undefined), prefetched: false };
  entry.prepared = prepared;
  return prepared;
}

/** The compressed variant of a playlist for the client's Accept-Encoding, if any helps. */
export function compressedVariant(prepared: Prepared, acceptEncoding: string | undefined): Variant | undefined {
  if (!prepared.compressible || !acceptEncoding) return undefined;
  const identity = prepared.identity;
  const tag = (suffix: string) => `${identity.etag.slice(0, -1)}-${suffix}"`;
  if (accepts(acceptEncoding, "br")) {
    prepared.br ??= variant(
      brotliCompressSync(identity.body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 9 } }),
      tag("br"),
      prepared,
      "br",
    );
    return prepared.br;
  }
  if (accepts(acceptEncoding, "gzip")) {
    prepared.gzip ??= variant(gzipSync(identity.body, { level: 9 }), tag("gz"), prepared, "gzip");
    return prepared.gzip;
  }
  return undefined;
}

/** True when the Accept-Encoding header lists the coding with a non-zero q. */
export function accepts(header: string, coding: string): boolean {
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().split(";");
    if (name?.trim().toLowerCase() !== coding) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/** True when an If-None-Match header matches the ETag (weak comparison, as RFC 9110 asks for it). */
export function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  const opaque = etag.startsWith("W/") ? etag.slice(2) : etag;
  for (const raw of header.split(",")) {
    const candidate = raw.trim();
    if ((candidate.startsWith("W/") ? candidate.slice(2) : candidate) === opaque) return true;
  }
  return false;
}

/** A parsed Range header: one satisfiable range, unsatisfiable, or ignored (absent, malformed, several ranges). */
export type RangeResult = { start: number; end: number } | "unsatisfiable" | undefined;

/** Parses a single `bytes=` range against a length; multi-range requests are served whole. */
export function parseRange(header: string, length: number): RangeResult {
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, length - suffix), end: length - 1 };
  }
  const start = Number(first);
  if (start >= length) return "unsatisfiable";
  const end = last === "" ? length - 1 : Math.min(Number(last), length - 1);
  if (end < start) return undefined;
  return { start, end };
}
